// Change points of a cell's history, named by the run that starts them: the latest runs (up to 15) are cut on their
// raw per-access samples with splits one run wide, so a change in the newest run is testable at once (a permutation
// test over a handful of medians is not); histories of 16 runs or more are also cut on the runs' medians
// (E-divisive, segments of at least 4 runs).
import { median } from '../results/stats.js';
import { detectChangePoints } from './change-points.js';
import type { SeriesPoint } from './queries.js';

export interface RunChange {
  /** The first run after the change. */
  runId: string;
  runIndex: number;
  before: number;
  after: number;
  relativeChange: number;
  pValue: number;
  method: 'run medians' | 'per-access samples';
}

/** Stricter than a plain p < 0.05 (bench/change-points: 4–5 % false alarms on noise-only series there, 0.2–0.8 % here). */
export const DETECTOR = { permutations: 499, pThreshold: 0.01, minRelativeChange: 0.01 } as const;
const MEDIANS_FROM = 16;
const SAMPLE_WINDOW = 15;

export function runChanges(points: readonly SeriesPoint[], random: () => number, minRelativeChange: number = DETECTOR.minRelativeChange): RunChange[] {
  const recent = sampleChanges(points.slice(-SAMPLE_WINDOW), random, minRelativeChange).map((change) => ({ ...change, runIndex: change.runIndex + Math.max(0, points.length - SAMPLE_WINDOW) }));
  if (points.length < MEDIANS_FROM) return recent;
  const older = detectChangePoints(points.map((point) => point.median), { ...DETECTOR, minRelativeChange, minSegment: 4, random }).map((change) => ({
    runId: points[change.index]!.runId, runIndex: change.index, before: change.before, after: change.after, relativeChange: change.relativeChange, pValue: change.pValue, method: 'run medians' as const,
  }));
  return [...older.filter((change) => !recent.some((other) => other.runId === change.runId)), ...recent].sort((a, b) => a.runIndex - b.runIndex);
}

function sampleChanges(points: readonly SeriesPoint[], random: () => number, minRelativeChange: number): RunChange[] {
  const withSamples = points.filter((point) => point.perAccess && point.perAccess.length > 0);
  if (withSamples.length < 2) return [];
  // Every run contributes the same number of samples, so a run boundary is a multiple of `perRun`.
  const perRun = Math.min(...withSamples.map((point) => point.perAccess!.length));
  // Round r of every run reads the same keys: dividing by the round's median over the runs removes the keys' own
  // spread (up to ±10 % per round at 4096 nodes) and leaves what differs between runs.
  const roundMedian = Array.from({ length: perRun }, (_, round) => median(withSamples.map((point) => point.perAccess![round]!)));
  const values = withSamples.flatMap((point) => point.perAccess!.slice(0, perRun).map((value, round) => value / roundMedian[round]!));
  const found = detectChangePoints(values, { ...DETECTOR, minRelativeChange, minSegment: perRun, random });
  const changes = new Map<number, RunChange>();
  for (const change of found) {
    const runIndex = Math.round(change.index / perRun);
    const point = withSamples[runIndex];
    if (!point || runIndex === 0 || changes.has(runIndex)) continue;
    // The sizes are of the round-normalised values: before/after are expressed relative to the rounds' medians.
    changes.set(runIndex, { runId: point.runId, runIndex: points.indexOf(point), before: change.before, after: change.after, relativeChange: change.relativeChange, pValue: change.pValue, method: 'per-access samples' });
  }
  return [...changes.values()];
}
