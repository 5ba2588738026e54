// The machine kptrlab runs on, as a target: its own kernel, real nanoseconds.
import { arch, release } from 'node:os';
import type { AgentEvent, AgentRequest } from '../agent/protocol.js';
import { LOCAL_BTF } from '../bpf/vmlinux-header.js';
import { KptrlabError } from '../util/errors.js';
import { kernelArchName } from './target.js';
import { runLocalAgent } from './agent-process.js';
import { bpfPermissionProblem } from './bpf-permission.js';
import { hostMachine, type ProgramRun, type Target, type TargetInfo } from './target.js';
import { runChild } from '../util/child.js';

export class LocalTarget implements Target {
  readonly info: TargetInfo;
  readonly btfPath = LOCAL_BTF;

  constructor(name = 'local', private readonly agentTimeoutMs = 30 * 60_000) {
    this.info = { name, kind: 'local', accelerator: 'native', timeUnit: 'ns', kernelRelease: release(), arch: kernelArchName(arch()) };
  }

  async preflight(): Promise<void> {
    const problem = bpfPermissionProblem();
    if (problem) throw new KptrlabError('BPF_NOT_PERMITTED', `local target: ${problem}`, { hint: 'Run as root: sudo npx kptrlab ...' });
  }

  runAgent(request: AgentRequest, onEvent: (event: AgentEvent) => void): Promise<void> {
    return runLocalAgent(request, onEvent, this.agentTimeoutMs);
  }

  async runProgram(argv: readonly string[], timeoutMs: number): Promise<ProgramRun> {
    const [file, ...args] = argv;
    const result = await runChild(file!, args, { stage: `run ${file}`, timeoutMs, allowFailure: true });
    return { exitCode: result.timedOut || result.exitCode < 0 ? null : result.exitCode, stdout: result.stdout, stderr: result.stderr };
  }

  machineIdentity() {
    return hostMachine();
  }

  async teardown(): Promise<void> {
    // Nothing to release: each agent run cleans up after itself.
  }
}
