// Turns raw bench samples into cells (median + CI per variant and size), calibration and paired ratios.
import type { CellResult, RatioResult } from '../results/model.js';
import { pairedRatio, summarize, type Summary } from '../results/stats.js';
import type { BenchVariant } from './capability.js';

export interface RawSample {
  round: number;
  durationNs: number;
  lookups: number;
}

/** Ratios reported wherever both sides ran: the workaround over the fast path. */
export const RATIO_PAIRS: ReadonlyArray<[BenchVariant, BenchVariant]> = [
  ['stock', 'fast'],
  ['baseline', 'fast'],
  ['stock', 'baseline'],
  ['stock', 'walk'],
];

/** Per-lookup cost of each sample, minus the empty loop of the same round when `empty` is given. */
export function perLookup(samples: readonly RawSample[], empty?: readonly RawSample[]): number[] {
  return samples.map((sample) => {
    const base = empty?.find((candidate) => candidate.round === sample.round);
    const loop = base ? base.durationNs : 0;
    return (sample.durationNs - loop) / sample.lookups;
  });
}

/** One cell from a variant's samples at one size. */
export function buildCell(size: number, variant: BenchVariant, unit: CellResult['unit'], samples: readonly RawSample[], empty: readonly RawSample[]): CellResult {
  const ordered = [...samples].sort((a, b) => a.round - b.round);
  return {
    size,
    variant,
    unit,
    lookupsPerSample: ordered[0]?.lookups ?? 0,
    perLookup: summarize(perLookup(ordered)),
    perAccess: variant === 'empty' ? null : summarize(perLookup(ordered, empty)),
    durations: ordered.map((sample) => sample.durationNs),
  };
}

/** Paired ratios of calibrated per-access costs (same rounds), for every pair where both variants ran. */
export function buildRatios(size: number, bySample: ReadonlyMap<BenchVariant, RawSample[]>, empty: readonly RawSample[], seed: number): RatioResult[] {
  const ratios: RatioResult[] = [];
  for (const [numerator, denominator] of RATIO_PAIRS) {
    const top = bySample.get(numerator);
    const bottom = bySample.get(denominator);
    if (!top?.length || !bottom?.length) continue;
    const rounds = top.map((sample) => sample.round).filter((round) => bottom.some((other) => other.round === round));
    const pick = (list: RawSample[]) => perLookup(rounds.map((round) => list.find((sample) => sample.round === round)!), empty);
    ratios.push({ size, numerator, denominator, ...pairedRatio(pick(top), pick(bottom), 2000, seed) });
  }
  return ratios;
}

/** The empty loop's own per-lookup cost (the calibration overhead). */
export function calibration(empty: readonly RawSample[]): Summary {
  return summarize(perLookup(empty));
}
