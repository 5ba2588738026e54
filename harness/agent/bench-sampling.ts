// Adaptive sampling's stop rule: keep adding rounds until every measured variant's median is known to within the
// target, one more round would overrun the size's time budget, or the round cap is reached. Pure, so it is unit-tested.
import { halfWidthPercent, medianCiRanks, medianOfSorted } from '../stats/median.js';
import type { SamplingPrecision, SamplingStop } from './protocol.js';

export interface SamplingProgress {
  /** Calibrated per-access cost of each non-empty variant (variant − empty of the same round, per lookup), one value per measured round. */
  perAccess: ReadonlyArray<readonly number[]>;
  /** Measured rounds so far (warm-up excluded). */
  measuredRounds: number;
  /** Rounds run so far at this size, warm-up included, and the wall time they took. */
  roundsRun: number;
  elapsedMs: number;
}

/** Half the width of the median's 95 % CI, in percent of the median; Infinity when that is undefined (no values, median 0). */
export function medianHalfWidthPercent(values: readonly number[]): number {
  const n = values.length;
  if (n === 0) return Infinity;
  const sorted = [...values].sort((a, b) => a - b);
  const { low, high } = medianCiRanks(n);
  const percent = halfWidthPercent(sorted[low]!, sorted[high]!, medianOfSorted(sorted));
  return Number.isFinite(percent) ? percent : Infinity;
}

/** Why to stop adding rounds now, or undefined to run another; convergence wins over the budget and the cap. */
export function samplingStop(progress: SamplingProgress, precision: SamplingPrecision): SamplingStop | undefined {
  if (progress.perAccess.every((values) => medianHalfWidthPercent(values) <= precision.halfWidthPercent)) return 'converged';
  if (progress.measuredRounds >= precision.maxSamples) return 'max-samples';
  // Stop before a round that, at the size's mean round time so far, would end past the budget.
  const meanRoundMs = progress.elapsedMs / Math.max(1, progress.roundsRun);
  if (progress.elapsedMs + meanRoundMs > precision.budgetSec * 1000) return 'budget';
  return undefined;
}

/** Runs rounds 0.. (warm-up first): `warmup + samples` always, then with precision one more at a time until samplingStop says why not. */
export function runRounds(
  plan: { warmup: number; samples: number; precision?: SamplingPrecision },
  runRound: (run: number) => void,
  // Filled by runRound: each non-empty variant's calibrated cost per measured round.
  perAccess: ReadonlyArray<readonly number[]>,
  clock: () => number = () => performance.now(),
): { measuredRounds: number; elapsedMs: number; stop?: SamplingStop } {
  const started = clock();
  let run = 0;
  while (run < plan.warmup + plan.samples) runRound(run++);
  const progress = () => ({ perAccess, measuredRounds: run - plan.warmup, roundsRun: run, elapsedMs: clock() - started });
  if (!plan.precision) return { measuredRounds: run - plan.warmup, elapsedMs: clock() - started };
  let stop = samplingStop(progress(), plan.precision);
  while (stop === undefined) {
    runRound(run++);
    stop = samplingStop(progress(), plan.precision);
  }
  return { measuredRounds: run - plan.warmup, elapsedMs: clock() - started, stop };
}
