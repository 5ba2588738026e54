// The JSON contract between the orchestrator and the agent that runs on a target (one request in, NDJSON events out).
// The agent travels alone (one bundle with the binding): this file and the agent import only agent/ and native/.
import type { VerifierStats } from '../native/stats.js';

/** Checked by the orchestrator on 'hello': a bundle from another kptrlab is refused, not misread. */
export const AGENT_PROTOCOL_VERSION = 5;

/** Bench variants the agent runs: the program of each and its access-count slot in the bench object (null: counts nothing). */
export const AGENT_BENCH_VARIANTS = {
  fast: { program: 'bench_fast', slot: 3 },
  baseline: { program: 'bench_baseline', slot: 2 },
  stock: { program: 'bench_stock', slot: 1 },
  walk: { program: 'bench_walk', slot: 0 },
  empty: { program: 'bench_empty', slot: null },
} as const;
export type AgentBenchVariant = keyof typeof AGENT_BENCH_VARIANTS;

export interface ProbeRequest {
  op: 'probe';
  /** Compiled probe objects (programs/probes). */
  objects: string[];
  /** Kernel functions whose presence in the kernel's BTF is reported. */
  kfuncs: string[];
}

/** Raw probe facts: the orchestrator derives the capability level and the deciding log lines. */
export interface AgentProbeFacts {
  kfuncs: Record<string, boolean>;
  probes: Record<string, { loaded: boolean; log: string }>;
}

export interface VerifyRequest {
  op: 'verify';
  objects: Array<{ path: string; source: string }>;
  logLevel: number;
  /** Programs with a decl tag starting with this are cases; the others are helpers and are not loaded alone. */
  caseTagPrefix: string;
}

export interface BenchRequest {
  op: 'bench';
  object: string;
  /** Variants to measure (the empty calibration loop is always added). */
  variants: AgentBenchVariant[];
  /** Variants the kernel is expected to reject: loaded alone once to record the verifier's message. */
  rejectProbe: AgentBenchVariant[];
  sizes: number[];
  samples: number;
  warmup: number;
  lookups: number;
  repeat: number;
  seed: number;
  /** Adaptive sampling: after `samples` rounds, add rounds until every measured median is this precise (absent: exactly `samples`). */
  precision?: SamplingPrecision;
}

/** Per tree size: stop adding rounds once each non-empty variant's 95 % CI half-width is within halfWidthPercent of its median. */
export interface SamplingPrecision {
  halfWidthPercent: number;
  /** Wall time of one size's rounds (warm-up included) that extra rounds may not push past. */
  budgetSec: number;
  /** Measured rounds at most (the fixed `samples` rounds always run). */
  maxSamples: number;
}

/** Why adaptive sampling stopped at a size. */
export type SamplingStop = 'converged' | 'budget' | 'max-samples';

/** One load of a tree selftest object, as the tree's runner would do it (planned in harness/selftests/plan.ts). */
export interface SelftestJob {
  id: string;
  object: string;
  /** Programs to load (the test and its auxiliaries); null keeps the object's own autoload choices (a skeleton load). */
  load: string[] | null;
  /** The program under test: its log and its test run are reported; null for a whole-object load. */
  program: string | null;
  /** Verifier log level; 0 lets libbpf retry a failed load at level 1, as test_progs does. */
  logLevel: number;
  /** __flag() edits over the runner's testing flags; null leaves the program's flags alone. */
  flags: { set: number; clear: number } | null;
  /** Run the program once after a successful load: syscall programs with empty options, others with 64 zero bytes. */
  execute: { emptyOpts: boolean } | null;
  unpriv: boolean;
}

export interface SelftestRequest {
  op: 'selftest';
  jobs: SelftestJob[];
}

/** One program of a tree selftest object loaded alone with verifier statistics, as veristat does. */
export interface VeristatJob {
  id: string;
  object: string;
  program: string;
}

export interface VeristatRequest {
  op: 'veristat';
  jobs: VeristatJob[];
}

/** Reads the measured machine's state (CPU, frequency, mitigations, load, other activity) from /proc and /sys. */
export interface EnvironmentRequest {
  op: 'environment';
  /** How long to watch other processes' CPU time (default 250 ms). */
  sampleMs?: number;
}

export type AgentRequest = ProbeRequest | VerifyRequest | BenchRequest | SelftestRequest | VeristatRequest | EnvironmentRequest;

/** The verifier's statistics as parsed from the log (the same shape travels on the wire). */
export type VerifierStatsWire = VerifierStats;

/** The measured machine's environment; null or 'unknown' where its file is absent (results/model.ts holds the same shape). */
export interface EnvironmentRecordWire {
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
  /** /sys/devices/system/cpu/vulnerabilities: file name → the kernel's text (null: no such folder). */
  mitigations: Record<string, string> | null;
  memory: { totalKiB: number | null; availableKiB: number | null };
  loadavg: [number, number, number] | null;
  activity: {
    sampleMs: number;
    /** Other processes above 5 % of one CPU during the sample, busiest first (null: /proc could not be sampled). */
    busy: Array<{ pid: number; comm: string; percent: number }> | null;
    /** Distinct non-root uids with a process on a terminal, not counting whoever started the agent (see agent/activity.ts). */
    otherUsers: number | null;
  };
}

export type AgentEvent =
  | { type: 'hello'; protocol: number; kernel: string; arch: string; libbpf: string; pid: number }
  | { type: 'probe'; facts: AgentProbeFacts }
  | { type: 'object-error'; object: string; source?: string; message: string; code?: string }
  | {
      type: 'case';
      source: string;
      program: string;
      tags: string[];
      loaded: boolean;
      code?: string;
      /** Full verifier log when rejected; empty when accepted (stats carry the numbers). */
      log: string;
      stats: VerifierStatsWire | null;
    }
  | { type: 'bench-rejected'; variant: AgentBenchVariant; log: string; code?: string }
  | { type: 'size-start'; size: number; populateNs: number; keys: number }
  /** round < 0: a warm-up round (its accesses are counted in the nodes too). keyOffset: where its lookups start in keys[]. */
  | { type: 'sample'; size: number; variant: AgentBenchVariant; round: number; durationNs: number; lookups: number; hits: number; misses: number; keyOffset: number }
  /** What the check program counted in the nodes after the size's last sample: nodes found, per variant accesses and distinct nodes. */
  | { type: 'integrity'; size: number; nodes: number; counted: Partial<Record<AgentBenchVariant, { accesses: number; distinctNodes: number }>> }
  /** With precision: the measured rounds the size got (before its integrity event), why it stopped and how long its rounds took. */
  | { type: 'size-sampled'; size: number; rounds: number; stop: SamplingStop; elapsedMs: number }
  | { type: 'size-error'; size: number; message: string; log?: string }
  | { type: 'selftest-env'; testingFlags: number; jited: boolean; unprivDisabled: number }
  | {
      type: 'selftest-result';
      id: string;
      loaded: boolean;
      /** Errno name of a failed load ('EACCES', 'EINVAL', ...). */
      code?: string;
      /** Verifier log of the program under test (whole-object loads: every program's log, headed by its name). */
      log: string;
      /** libbpf's own messages (kfunc resolution, relocation errors): not part of the verifier log. */
      libbpf: string;
      retval?: number;
      runError?: string;
      /** Why the job was not attempted (the tree's runner skips it too). */
      skipped?: string;
      /** The object could not be opened or configured (never reached the kernel). */
      openError?: string;
      /** Why kptrlab cannot run the job as the tree's runner would (the subtest fails, so only a deny entry silences it). */
      unsupported?: string;
    }
  /** stats: null when the log had no statistics (libbpf stopped the load before the verifier ran). */
  | { type: 'veristat-result'; id: string; loaded: boolean; code?: string; stats: VerifierStatsWire | null; progSize: number; error?: string }
  | { type: 'environment'; record: EnvironmentRecordWire }
  | { type: 'done' };
