// One interface for every place the suites run: this machine, a QEMU guest, a real machine over SSH.
import type { AgentEvent, AgentRequest } from '../agent/protocol.js';
import type { Splat } from '../results/splat.js';

export type Accelerator = 'native' | 'kvm' | 'tcg';

/** ns: real time; icount-ns: TCG instruction counting (deterministic, not time); tcg-ns: emulated wall time (noise, never compared). */
export type TimeUnit = 'ns' | 'icount-ns' | 'tcg-ns';

/** The unit a target's timings are in, from its accelerator and whether TCG counts instructions. */
export function timeUnitFor(accelerator: Accelerator, icount: boolean): TimeUnit {
  if (accelerator !== 'tcg') return 'ns';
  return icount ? 'icount-ns' : 'tcg-ns';
}

export interface TargetInfo {
  /** Config name of the target ("local", "patched-x86_64", ...). */
  name: string;
  kind: 'local' | 'qemu' | 'ssh';
  /** How time is measured there; TCG figures are never compared with KVM or bare-metal ones. */
  accelerator: Accelerator;
  /** Unit of benchmark durations: real nanoseconds, or icount virtual nanoseconds under TCG. */
  timeUnit: TimeUnit;
  kernelRelease: string;
  arch: string;
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
  /** Releases everything the target holds; safe to call twice. */
  teardown(): Promise<void>;
}

/** Node's arch names ('x64') as the kernel spells them ('x86_64'), so local and VM targets match. */
export function kernelArchName(nodeArch: string): string {
  return nodeArch === 'x64' ? 'x86_64' : nodeArch;
}
