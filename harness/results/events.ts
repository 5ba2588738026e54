// The run's event log vocabulary (schema kptrlab.events, version 1): everything a run learns is one of these,
// appended to <run dir>/events.ndjson as it happens; results.json and every report are folds over them.
import type {
  BenchResult, Capability, CaseResult, CellResult, EnvironmentPhase, EnvironmentRecord, IntegrityResult, ProbeFacts, Provenance, RatioResult, RunInfo, RunStatus,
  SampleRecord, SelftestResult, SelftestsResult, TargetError, TargetInfo, VeristatRow,
} from './model.js';
import type { BenchVariant } from './vocab.js';

export const EVENTS_SCHEMA = 'kptrlab.events';
export const EVENTS_SCHEMA_VERSION = 1;

/** The bench parameters a target's benchmark starts with (everything of BenchResult that is not a result). */
export type BenchStart = Pick<BenchResult, 'sizes' | 'samples' | 'warmup' | 'lookups' | 'repeat' | 'seed' | 'unit' | 'objectHash' | 'precision'> & { variants: BenchVariant[] };

export type RunEvent =
  | { type: 'run-start'; schema: typeof EVENTS_SCHEMA; schemaVersion: typeof EVENTS_SCHEMA_VERSION; run: Omit<RunInfo, 'status'>; resultsPath: string; targets: string[] }
  | { type: 'stage'; target: string; stage: string }
  | { type: 'target-start'; target: TargetInfo }
  | { type: 'target-ready'; target: TargetInfo }
  /** Merged into the target's provenance as it becomes known (kernel at build, objects at compile, libbpf at hello). */
  | { type: 'provenance'; target: string; provenance: Partial<Provenance> }
  /** The measured machine's environment; record null with a `problem` when it could not be read (a warning, not a failure). */
  | { type: 'environment'; target: string; phase: EnvironmentPhase; record: EnvironmentRecord | null; problem?: string }
  | { type: 'capability'; target: string; capability: Capability; facts: ProbeFacts }
  | { type: 'compile-error'; target: string; source: string; firstError: string }
  | { type: 'case'; target: string; result: CaseResult }
  | { type: 'bench-start'; target: string; bench: BenchStart }
  | { type: 'bench-rejected'; target: string; variant: BenchVariant; message: string }
  | { type: 'bench-sample'; target: string; sample: SampleRecord }
  /** With bench.precision: how many measured rounds a size got and why adaptive sampling stopped there. */
  | { type: 'bench-sampled'; target: string; sampled: NonNullable<BenchResult['sampling']>[number] }
  | { type: 'bench-calibration'; target: string; calibration: BenchResult['calibration'][number] }
  | { type: 'bench-cell'; target: string; cell: CellResult }
  | { type: 'bench-ratio'; target: string; ratio: RatioResult }
  | { type: 'bench-integrity'; target: string; integrity: IntegrityResult }
  | { type: 'bench-error'; target: string; size?: number; message: string }
  | { type: 'selftests-start'; target: string; selftests: SelftestsResult }
  | { type: 'selftest-env'; target: string; env: NonNullable<SelftestsResult['env']> }
  | { type: 'selftest'; target: string; result: SelftestResult }
  | { type: 'veristat'; target: string; row: VeristatRow }
  | { type: 'selftest-compare'; target: string; id: string; testProgs: NonNullable<SelftestResult['testProgs']>; theirsName: string }
  | { type: 'test-progs'; target: string; summary: NonNullable<SelftestsResult['testProgs']> }
  /** A target error (target set) or a run error; `fatal` marks what stopped the harness itself (exit 69). */
  | ({ type: 'error'; target?: string; fatal?: boolean } & TargetError)
  | { type: 'run-end'; status: RunStatus; exitCode: number; finishedAt: string };

export type RunEventType = RunEvent['type'];

/** An event about one target, without the target's name (suites report these; the runner adds the name). */
export type TargetEventBody = RunEvent extends infer E ? (E extends { target: string } | { type: 'error' } ? Omit<E, 'target'> : never) : never;
