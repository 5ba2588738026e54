// The results file's data model (schema kptrlab.results, version 2); docs/results-schema.md describes it.
// It is the reducer's state over a run's event log, and the bottom of the import graph with vocab.ts.
import type { Summary } from './stats.js';
import type { Accelerator, BenchVariant, Level, SelftestStatus, Series, TimeUnit } from './vocab.js';

export const RESULTS_SCHEMA = 'kptrlab.results';
export const RESULTS_SCHEMA_VERSION = 2;

export type RunStatus = 'running' | 'passed' | 'failed' | 'error' | 'interrupted';

/** The verifier's statistics (log level 4) for one load. */
export interface VerifierStats {
  insnsProcessed: number;
  maxStatesPerInsn: number;
  totalStates: number;
  peakStates: number;
  markRead: number;
  verificationTimeUs: number;
}

/** What the probes found: kfunc presence from BTF, verifier verdicts from loading probe programs. */
export interface ProbeFacts {
  kfuncs: Record<string, boolean>;
  probes: Record<string, { loaded: boolean; message?: string }>;
}

export interface Capability {
  level: Level;
  walkKfuncs: boolean;
  xchgUnderLock: boolean;
  xchgNonOwn: boolean;
  xchgNonOwnRcu: boolean;
  /** Inconsistencies between probes (e.g. non-own works but under-lock does not). */
  anomalies: string[];
}

export interface TargetInfo {
  /** Config name of the target ("local", "patched", ...). */
  name: string;
  kind: 'local' | 'qemu' | 'machine';
  /** How time is measured there; TCG figures are never compared with KVM or bare-metal ones. */
  accelerator: Accelerator;
  timeUnit: TimeUnit;
  kernelRelease: string;
  arch: string;
  /** VM targets: why KVM or TCG (QEMU's refusal, a hung probe's console tail, a remembered probe, the config, no /dev/kvm). */
  acceleratorReason?: string;
}

/** The machine a result was measured on (the real-machines work adds more of its environment). */
export interface MachineIdentity {
  hostname: string;
  cpu: string;
  /** The machine's own kernel (for a VM target: the host's, the guest's is provenance.kernel). */
  kernelRelease: string;
  /** VM targets: the emulated machine QEMU gave the guest. */
  guest?: string;
}

/** The measured machine's state, read on it from /proc and /sys; null or 'unknown' where its file was absent (docs/results-schema.md). */
export interface EnvironmentRecord {
  cpu: {
    model: string;
    microcode: string | null;
    online: number | null;
    /** Physical cores (distinct thread-sibling sets of the online CPUs) and the most threads one of them has. */
    cores: number | null;
    threadsPerCore: number | null;
    smt: { control: string | null; active: boolean | null };
    numaNodes: number | null;
  };
  cpufreq: {
    /** Distinct scaling governors over the policies (null: no cpufreq policy at all). */
    governors: string[] | null;
    driver: string | null;
    /** Whether boost/turbo is on, and the file that said so. */
    boost: { enabled: boolean | null; source: string | null };
  };
  /** CPU lists as the kernel prints them ('' when none). */
  isolatedCpus: string | null;
  nohzFull: string | null;
  cmdline: string | null;
  /** /sys/devices/system/cpu/vulnerabilities: file name → the kernel's text. */
  mitigations: Record<string, string> | null;
  memory: { totalKiB: number | null; availableKiB: number | null };
  loadavg: [number, number, number] | null;
  activity: {
    sampleMs: number;
    /** Other processes above 5 % of one CPU during the sample, busiest first. */
    busy: Array<{ pid: number; comm: string; percent: number }> | null;
    /** Distinct non-root uids with a process on a terminal, not counting whoever started the run. */
    otherUsers: number | null;
  };
}

/** When the environment was read: right after the target's preflight, and after its last suite. */
export type EnvironmentPhase = 'before' | 'after';

/** One write of `tune:` on a lab machine. */
export interface TuneChange {
  what: 'governor' | 'boost' | 'smt-sibling';
  path: string;
  from: string;
  to: string;
  /** Why the machine did not take it (read-only file, EINVAL, ...); undefined when applied. */
  refused?: string;
}

/** What `tune:` did to a lab machine, and whether it was undone. */
export interface TuneRecord {
  /** The CPU the agent was pinned to. */
  cpu: number;
  changes: TuneChange[];
  /** What the machine cannot tune at all (no cpufreq, no boost switch, no SMT). */
  unavailable: string[];
  /** After teardown: files whose value differs from the one before tuning (empty: fully restored). */
  notRestored?: string[];
}

/** What produced a target's results; every case and cell of the target stands on it. */
export interface Provenance {
  kernel: {
    release: string;
    /** Where the kernel came from: "running" (local), a kernel cache entry's source id, or a Debian package. */
    source: string;
    /** The kernel cache key (built kernels). */
    cacheKey?: string;
    variant?: string;
    /** The config's series and what the build did with each patch: shipped in the source, applied, or reversed. */
    patches?: Array<{ patch: string; state: 'in-source' | 'applied' | 'reversed'; sha256?: string }>;
  };
  series: { declared?: Series; probed?: Level };
  /** Compiled BPF objects: source path (relative to the project) → sha256 of the object file. */
  objects: Record<string, string>;
  libbpf?: string;
  accelerator: Accelerator;
  timeUnit: TimeUnit;
  /** Where the orchestrator ran, and what the target ran on (the host itself, or a VM on it). */
  machine: MachineIdentity;
  /** The measured machine's environment before and after the suites; a capture that failed is a warning, never a failure. */
  environment?: Partial<Record<EnvironmentPhase, EnvironmentRecord>> & { warnings?: string[] };
  /** What `tune:` changed on a lab machine for the measurement, and (once torn down) whether it was restored. */
  tune?: TuneRecord;
  /** A kernel kexec'd on a lab machine for this target: how it booted, and whether the machine went back to its default. */
  boot?: BootRecord;
}

export interface BootRecord {
  variant: string;
  /** kptrlab.boot=<id> on the kernel command line: proof the running kernel is the one kexec'd for this target. */
  marker: string;
  cmdline: string;
  /** The machine's own kernel before (uname -r). */
  defaultRelease: string;
  outcome: 'booted' | 'failed';
  /** kexec -e → SSH answering on the new kernel. */
  bootMs?: number;
  /** /proc/version on the booted kernel (it matched the built vmlinux's banner). */
  version?: string;
  failure?: string;
  /** How the machine got back to its default kernel: reboot (after a good boot), hard-reset, or none (it did not). */
  recovery?: 'reboot' | 'hard-reset' | 'came-back' | 'none';
  /** Whether the machine ended on its default kernel; undefined until the target's teardown. */
  returned?: boolean;
  returnMs?: number;
  health: 'good' | 'bad';
}

export interface CaseResult {
  id: string;
  source: string;
  description: string;
  level: Level;
  expected: 'accept' | 'reject';
  actual: 'accept' | 'reject' | 'error';
  status: 'pass' | 'fail' | 'skip' | 'error';
  reason?: string;
  /** The log lines that decided the verdict. */
  excerpt?: string;
  stats: VerifierStats | null;
  /** sha256 of the compiled object the case was loaded from. */
  objectHash?: string;
}

/** One raw benchmark sample, persisted as it arrives. */
export interface SampleRecord {
  size: number;
  variant: BenchVariant;
  /** Round index; negative for warm-up rounds (thrown away). */
  round: number;
  durationNs: number;
  lookups: number;
  hits: number;
  misses: number;
  /** Position in the key array where the sample's lookups started (keys spread over the whole tree). */
  keyOffset: number;
}

export interface CellResult {
  size: number;
  variant: BenchVariant;
  /** 'ns' on real hardware, 'icount-ns' under TCG instruction counting, 'tcg-ns' emulated wall time (never compared). */
  unit: TimeUnit;
  lookupsPerSample: number;
  /** Time per lookup including the loop (raw). */
  perLookup: Summary;
  /** Time per lookup minus the empty loop measured in the same round (the calibrated cost). */
  perAccess: Summary | null;
  /** Raw test_run durations per sample (per repeat), in order of rounds. */
  durations: number[];
  /** Measured rounds the cell stands on (adaptive sampling may add rounds beyond the configured samples). */
  samplesUsed?: number;
  /** Half the width of the 95 % CI of the median (perAccess; perLookup for empty), in percent of it; null when the median is 0. */
  ciHalfWidthPercent?: number | null;
  /** With bench.precision (non-empty variants): the target half-width and whether this cell reached it. */
  precision?: { targetPercent: number; reached: boolean };
}

export interface RatioResult {
  size: number;
  numerator: BenchVariant;
  denominator: BenchVariant;
  /** The unit of both sides (a ratio of icount-ns is not one of ns). */
  unit: TimeUnit;
  n: number;
  ratio: number;
  ciLow: number;
  ciHigh: number;
}

/** One variant's accesses, counted by the kernel in the tree's nodes after the size's last sample. */
export interface VariantIntegrity {
  variant: BenchVariant;
  ok: boolean;
  /** Lookups that found their node (sum of the samples' hits, warm-up included) vs. the count found in the nodes. */
  accesses: { expected: number; counted: number };
  /** Distinct nodes the key windows cover vs. nodes whose count for this variant is non-zero. */
  distinctNodes: { expected: number; counted: number };
}

export interface IntegrityResult {
  size: number;
  ok: boolean;
  /** Nodes found by the check walk vs. the tree's size. */
  nodes: { expected: number; counted: number };
  misses: number;
  /** Samples whose hit count was not lookups × repeat. */
  badSamples: number;
  variants: VariantIntegrity[];
  /** Why it failed, one line each (empty when ok). */
  problems: string[];
}

export interface BenchResult {
  sizes: number[];
  samples: number;
  warmup: number;
  lookups: number;
  repeat: number;
  seed: number;
  unit: TimeUnit;
  /** sha256 of the bench object every cell was measured with. */
  objectHash?: string;
  /** Adaptive sampling as configured: per size, rounds are added past `samples` until every median's CI half-width is within target. */
  precision?: { halfWidthPercent: number; budgetSec: number; maxSamples: number };
  /** With precision, per size: the measured rounds it got, why sampling stopped, and the wall time of its rounds (warm-up included). */
  sampling?: Array<{ size: number; rounds: number; stop: 'converged' | 'budget' | 'max-samples'; elapsedMs: number }>;
  rejected: Array<{ variant: BenchVariant; message: string }>;
  /** Every raw sample in arrival order, including those of a size that never finished. */
  rawSamples: SampleRecord[];
  cells: CellResult[];
  calibration: Array<{ size: number; unit: TimeUnit; emptyPerLookup: Summary }>;
  ratios: RatioResult[];
  integrity: IntegrityResult[];
  errors: Array<{ size?: number; message: string }>;
}

export interface SelftestResult {
  /** "<progs file stem>/<subtest>" (the program name; " @unpriv" for that mode; open_and_load for a whole object). */
  id: string;
  file: string;
  program: string | null;
  description?: string;
  mode: 'priv' | 'unpriv' | 'object';
  /** 'annotations' (RUN_TESTS) or the skeleton rule from kselftests/suite.yaml. */
  runner: string;
  expected: 'success' | 'failure';
  actual: 'loaded' | 'rejected' | 'not-run';
  status: SelftestStatus;
  reason?: string;
  excerpt?: string;
  retval?: number;
  requires?: { level: Level; reason: string };
  list?: { action: 'deny' | 'allow'; reason: string; expires: string; expired: boolean };
  /** The tree's own test_progs verdict for the same subtest, when it was built and run. */
  testProgs?: { verdict: 'OK' | 'FAIL' | 'SKIP'; agrees: boolean };
}

/** One program of a tree selftest object loaded alone with statistics (the veristat-style pass; CSV columns in premerge/veristat-csv.ts). */
export interface VeristatRow {
  /** Object file name as veristat prints it ("rbtree.bpf.o"). */
  file: string;
  program: string;
  verdict: 'success' | 'failure';
  /** The verifier's "verification time" (0 when the log had no statistics). */
  durationUs: number;
  insns: number;
  states: number;
  peakStates: number;
  maxStatesPerInsn: number;
  markRead: number;
  /** Instructions in the object (before verification). */
  progSize: number;
  /** libbpf's first line when the load failed before or outside the verifier. */
  error?: string;
}

export interface SelftestsResult {
  /** The kernel source the tests come from. */
  source: string;
  /** The config's declaration for this target (undefined: nothing declared, no failure is expected). */
  series?: Series;
  env?: { testingFlags: number; jited: boolean; unprivDisabled: number };
  tests: SelftestResult[];
  /** The veristat-style pass over every program of the selected objects (selftests.veristat). */
  veristat?: VeristatRow[];
  /** Series patches applied to the tree's selftests for this kernel (its variant's own tree), by file name. */
  patches?: string[];
  /** Whether the tree's test_progs ran here, what it found; theirsOnly: its FAIL lines kptrlab has no counterpart for. */
  testProgs?: { ran: boolean; note: string; theirsOnly?: string[] };
}

/** A failure of the target outside a single case: a probe mismatch, a splat, a crash or hang mid-suite, a setup error. */
export interface TargetError {
  stage: string;
  message: string;
  code?: string;
  hint?: string;
  /** The guest console's last lines when the target died or hung. */
  consoleTail?: string;
}

export interface TargetResult {
  target: TargetInfo;
  provenance?: Provenance;
  libbpf?: string;
  capability?: Capability & { facts: ProbeFacts };
  cases: CaseResult[];
  compileErrors: Array<{ source: string; firstError: string }>;
  bench?: BenchResult;
  selftests?: SelftestsResult;
  errors: TargetError[];
}

export interface RunInfo {
  id: string;
  configFile: string;
  /** sha256 of the config file's bytes. */
  configHash: string;
  startedAt: string;
  finishedAt?: string;
  status: RunStatus;
  exitCode?: number;
  host: { hostname: string; cpu: string; cores: number; memoryGiB: number; kernelRelease: string };
  kptrlab: { version: string; commit: string };
  /** A shard's run: which of how many, and every target of the whole run in config order (kptrlab merge checks them). */
  shard?: { index: number; count: number; targets: string[] };
  /** A merged run: the shard runs it was made of, in shard order. */
  mergedFrom?: string[];
}

export interface RunResults {
  schema: typeof RESULTS_SCHEMA;
  schemaVersion: typeof RESULTS_SCHEMA_VERSION;
  run: RunInfo;
  targets: TargetResult[];
}
