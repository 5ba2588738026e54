// The agent requests of a LAVA job, taken from the suites themselves: each suite runs against a target that only
// records what it is asked, so a job sends exactly what a direct run would send.
import { relative } from 'node:path';
import type { AgentRequest } from '../agent/protocol.js';
import type { RunConfig } from '../config/run-config.js';
import type { Level } from '../results/vocab.js';
import { runBenchSuite } from '../suites/bench-suite.js';
import { probeRequest } from '../suites/capability.js';
import { captureEnvironment } from '../suites/environment.js';
import { runVerifySuite } from '../suites/verify-suite.js';
import { renameRequestObjects } from '../targets/request-objects.js';
import type { ProgramRun, Target } from '../targets/target.js';
import { projectRoot } from '../util/paths.js';
import type { LavaStep } from './lava-plan.js';

type Compiled = { path: string; source: string; hash: string };

class RecordingTarget implements Target {
  readonly info = { name: 'lava', kind: 'machine' as const, accelerator: 'native' as const, timeUnit: 'ns' as const, kernelRelease: 'unknown', arch: 'unknown' };
  readonly btfPath = '';
  readonly requests: AgentRequest[] = [];
  async preflight(): Promise<void> {}
  async runAgent(request: AgentRequest): Promise<void> {
    this.requests.push(request);
  }
  async runProgram(): Promise<ProgramRun> {
    return { exitCode: null, stdout: '', stderr: '' };
  }
  machineIdentity() {
    return { hostname: 'lava', cpu: 'unknown', kernelRelease: 'unknown' };
  }
  async teardown(): Promise<void> {}
}

/** The steps in run order; object paths become `file(object)` and sources project-relative. */
export async function lavaSteps(config: RunConfig, compiled: { probes: Compiled[]; cases: Compiled[]; bench?: Compiled }, benchLevel: Level | undefined, file: (object: Compiled) => string): Promise<LavaStep[]> {
  const record = async (work: (target: RecordingTarget) => Promise<unknown>) => {
    const target = new RecordingTarget();
    await work(target);
    return target.requests[0]!;
  };
  const noop = () => undefined;
  const environment = await record((target) => captureEnvironment(target, 'before'));
  const steps: LavaStep[] = [{ name: 'environment-before', request: environment }, { name: 'probe', request: probeRequest(compiled.probes.map((object) => object.path)) }];
  if (config.verify.enabled) steps.push({ name: 'verify', request: await record((target) => runVerifySuite(target, compiled.cases, 'base', config.verify.logLevel, noop)) });
  if (compiled.bench && benchLevel) {
    const bench = compiled.bench;
    steps.push({ name: 'bench', request: await record((target) => runBenchSuite(target, bench, config.bench, benchLevel, noop)) });
  }
  steps.push({ name: 'environment-after', request: environment });
  const all = [...compiled.probes, ...compiled.cases, ...(compiled.bench ? [compiled.bench] : [])];
  const byPath = new Map(all.map((object) => [object.path, object]));
  return steps.map((step) => {
    const renamed = renameRequestObjects(step.request, (path) => file(byPath.get(path)!));
    if (renamed.op !== 'verify') return { ...step, request: renamed };
    return { ...step, request: { ...renamed, objects: renamed.objects.map((object) => ({ ...object, source: relative(projectRoot, object.source) })) } };
  });
}
