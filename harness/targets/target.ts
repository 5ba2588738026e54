// One interface for every place the suites run: this machine, a QEMU guest, a real machine over SSH.
import { cpus, hostname, release } from 'node:os';
import type { AgentEvent, AgentRequest } from '../agent/protocol.js';
import type { BootRecord, MachineIdentity, TargetInfo, TuneRecord } from '../results/model.js';
import type { Splat } from '../results/splat.js';
import { archFromNode } from '../util/arch.js';

export { timeUnitFor, type Accelerator, type TimeUnit } from '../results/vocab.js';
export type { TargetInfo } from '../results/model.js';

/** This machine's identity: the host name, its CPU model and running kernel. */
export function hostMachine(): MachineIdentity {
  return { hostname: hostname(), cpu: cpus()[0]?.model ?? 'unknown', kernelRelease: release() };
}

export interface ProgramRun {
  /** null when ended by a signal or timeout. */
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

export interface Target {
  readonly info: TargetInfo;
  /** The kernel BTF the programs are compiled against (a path on this machine). */
  readonly btfPath: string;
  /** Fails fast, with what to do, when the target cannot load BPF programs. */
  preflight(): Promise<void>;
  /** Runs the agent with one request; each event is delivered as it arrives. */
  runAgent(request: AgentRequest, onEvent: (event: AgentEvent) => void): Promise<void>;
  /** Runs a program on the target (argv only, no shell); output is returned whole. Used for the tree's test_progs. */
  runProgram(argv: readonly string[], timeoutMs: number): Promise<ProgramRun>;
  /** Kernel splats (panic, WARNING, KASAN, ...) seen on the target so far, where it can tell. */
  splats?(): Splat[];
  /** The last lines of the target's console, where it has one (recorded when it dies or hangs). */
  consoleTail?(): string;
  /** What `tune:` did to the machine (lab machines with tune: only); after teardown it says whether all was restored. */
  tuneRecord?(): TuneRecord | undefined;
  /** A kernel kexec'd on a lab machine for this target: how it booted and (after teardown) whether the machine went back. */
  bootRecord?(): BootRecord | undefined;
  /** The machine the target's results are measured on. */
  machineIdentity(): MachineIdentity;
  /** Releases everything the target holds; safe to call twice. */
  teardown(): Promise<void>;
}

/** Node's arch name as kptrlab spells it (x64 is x86_64), so local and VM targets match; one kptrlab has no names for stays as Node says it. */
export function kernelArchName(nodeArch: string): string {
  return archFromNode(nodeArch) ?? nodeArch;
}
