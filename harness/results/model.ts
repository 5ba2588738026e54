// The results file's data model (schema kptrlab.results, version 1); docs/results-schema.md describes it.
import type { VerifierStatsWire } from '../agent/protocol.js';
import type { BenchVariant, Capability, Level, ProbeFacts } from '../suites/capability.js';
import type { TargetInfo, TimeUnit } from '../targets/target.js';
import type { Summary } from './stats.js';
import type { SelftestStatus, Series } from '../selftests/expectations.js';

export const RESULTS_SCHEMA = 'kptrlab.results';
export const RESULTS_SCHEMA_VERSION = 1;

export type RunStatus = 'running' | 'passed' | 'failed' | 'error' | 'interrupted';

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
  stats: VerifierStatsWire | null;
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
}

export interface RatioResult {
  size: number;
  numerator: BenchVariant;
  denominator: BenchVariant;
  n: number;
  ratio: number;
  ciLow: number;
  ciHigh: number;
}

export interface IntegrityResult {
  size: number;
  ok: boolean;
  expectedSum: number;
  checkSum: number;
  expectedNodes: number;
  checkNodes: number;
  misses: number;
}

export interface BenchResult {
  sizes: number[];
  samples: number;
  lookups: number;
  repeat: number;
  seed: number;
  rejected: Array<{ variant: BenchVariant; message: string }>;
  cells: CellResult[];
  calibration: Array<{ size: number; emptyPerLookup: Summary }>;
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

export interface SelftestsResult {
  /** The kernel source the tests come from. */
  source: string;
  /** The config's declaration for this target (undefined: nothing declared, no failure is expected). */
  series?: Series;
  env?: { testingFlags: number; jited: boolean; unprivDisabled: number };
  tests: SelftestResult[];
  /** Whether the tree's test_progs ran here, what it found; theirsOnly: its FAIL lines kptrlab has no counterpart for. */
  testProgs?: { ran: boolean; note: string; theirsOnly?: string[] };
}

export interface TargetResult {
  /** acceleratorReason (VM targets): why KVM or TCG — QEMU's own refusal, a hung probe's console tail, a remembered probe, the config, or no /dev/kvm. */
  target: TargetInfo & { acceleratorReason?: string };
  libbpf?: string;
  capability?: Capability & { facts: ProbeFacts };
  cases: CaseResult[];
  compileErrors: Array<{ source: string; firstError: string }>;
  bench?: BenchResult;
  selftests?: SelftestsResult;
  errors: Array<{ stage: string; message: string; code?: string }>;
}

export interface RunResults {
  schema: typeof RESULTS_SCHEMA;
  schemaVersion: typeof RESULTS_SCHEMA_VERSION;
  run: {
    id: string;
    configFile: string;
    startedAt: string;
    finishedAt?: string;
    status: RunStatus;
    host: { hostname: string; cpu: string; cores: number; memoryGiB: number };
    kptrlabVersion: string;
  };
  targets: TargetResult[];
}
