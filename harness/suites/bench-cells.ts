// Turns raw bench samples into cells (median + CI per variant and size), calibration and paired ratios.
import { seededRandom } from '../agent/bench-plan.js';
import type { CellResult, RatioResult, SampleRecord } from '../results/model.js';
import { halfWidthPercent, pairedRatio, summarize, type Summary } from '../results/stats.js';
import { RATIO_PAIRS, type BenchVariant, type TimeUnit } from '../results/vocab.js';

export type RawSample = Pick<SampleRecord, 'round' | 'durationNs' | 'lookups'>;

/** Per-lookup cost of each sample, minus the empty loop of the same round when `empty` is given. */
export function perLookup(samples: readonly RawSample[], empty?: readonly RawSample[]): number[] {
  return samples.map((sample) => {
    const base = empty?.find((candidate) => candidate.round === sample.round);
    const loop = base ? base.durationNs : 0;
    return (sample.durationNs - loop) / sample.lookups;
  });
}

/** Measured rounds only: warm-up rounds (round < 0) are thrown away. */
export function measured<T extends RawSample>(samples: readonly T[]): T[] {
  return samples.filter((sample) => sample.round >= 0).sort((a, b) => a.round - b.round);
}

/** Half the width of a summary's 95 % CI in percent of its median (null when the median is 0: no relative width). */
export function ciHalfWidthPercent(summary: Summary): number | null {
  const percent = halfWidthPercent(summary.ciLow, summary.ciHigh, summary.median);
  return Number.isFinite(percent) ? percent : null;
}

/** One cell from a variant's samples at one size; `targetPercent` (bench.precision) says whether its CI is narrow enough. */
export function buildCell(size: number, variant: BenchVariant, unit: TimeUnit, samples: readonly RawSample[], empty: readonly RawSample[], targetPercent?: number): CellResult {
  const ordered = measured(samples);
  const perLookupSummary = summarize(perLookup(ordered));
  const perAccess = variant === 'empty' ? null : summarize(perLookup(ordered, empty));
  const width = ciHalfWidthPercent(perAccess ?? perLookupSummary);
  return {
    size,
    variant,
    unit,
    lookupsPerSample: ordered[0]?.lookups ?? 0,
    perLookup: perLookupSummary,
    perAccess,
    durations: ordered.map((sample) => sample.durationNs),
    samplesUsed: ordered.length,
    ciHalfWidthPercent: width,
    // The empty loop is the calibration, not a result: the stop rule does not wait for it, so it gets no verdict.
    ...(targetPercent !== undefined && perAccess ? { precision: { targetPercent, reached: width !== null && width <= targetPercent } } : {}),
  };
}

/** Paired ratios of calibrated per-access costs (same rounds), for every pair where both variants ran. */
export function buildRatios(size: number, unit: TimeUnit, byVariant: ReadonlyMap<BenchVariant, RawSample[]>, empty: readonly RawSample[], seed: number): RatioResult[] {
  const ratios: RatioResult[] = [];
  for (const [numerator, denominator] of RATIO_PAIRS) {
    const top = measured(byVariant.get(numerator) ?? []);
    const bottom = measured(byVariant.get(denominator) ?? []);
    if (!top.length || !bottom.length) continue;
    const rounds = top.map((sample) => sample.round).filter((round) => bottom.some((other) => other.round === round));
    const pick = (list: RawSample[]) => perLookup(rounds.map((round) => list.find((sample) => sample.round === round)!), empty);
    ratios.push({ size, numerator, denominator, unit, ...pairedRatio(pick(top), pick(bottom), 2000, seededRandom(seed)) });
  }
  return ratios;
}

/** The empty loop's own per-lookup cost (the calibration overhead). */
export function calibration(empty: readonly RawSample[]): Summary {
  return summarize(perLookup(measured(empty)));
}
