// Robust summaries for benchmark samples: median with a distribution-free 95 % CI, CV, paired ratios.
import { halfWidthPercent, median, medianCiRanks, medianOfSorted } from '../stats/median.js';

export { halfWidthPercent, median, medianCiRanks };

export interface Summary {
  n: number;
  median: number;
  /** 95 % confidence interval of the median (order statistics; needs n >= 6 to be tighter than min..max). */
  ciLow: number;
  ciHigh: number;
  mean: number;
  /** Coefficient of variation: stddev / mean. */
  cv: number;
  min: number;
  max: number;
}

/** Median, 95 % CI of the median, mean, CV, min and max of a sample list. */
export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) throw new RangeError('summarize needs at least one sample');
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const mean = sorted.reduce((sum, value) => sum + value, 0) / n;
  const variance = n > 1 ? sorted.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (n - 1) : 0;
  const { low, high } = medianCiRanks(n);
  return {
    n,
    median: medianOfSorted(sorted),
    ciLow: sorted[low]!,
    ciHigh: sorted[high]!,
    mean,
    cv: mean === 0 ? 0 : Math.sqrt(variance) / Math.abs(mean),
    min: sorted[0]!,
    max: sorted[n - 1]!,
  };
}

export interface RatioSummary {
  n: number;
  /** median(numerator) / median(denominator). */
  ratio: number;
  ciLow: number;
  ciHigh: number;
}

/** Ratio of medians with a 95 % percentile-bootstrap CI over paired rounds (same round = same conditions); `random` drives the resampling (seeded, so reruns agree). */
export function pairedRatio(numerator: readonly number[], denominator: readonly number[], resamples: number, random: () => number): RatioSummary {
  const n = Math.min(numerator.length, denominator.length);
  if (n === 0) throw new RangeError('pairedRatio needs samples on both sides');
  const ratio = median(numerator.slice(0, n)) / median(denominator.slice(0, n));
  const estimates: number[] = [];
  for (let r = 0; r < resamples; r++) {
    const top: number[] = [];
    const bottom: number[] = [];
    for (let i = 0; i < n; i++) {
      const pick = Math.floor(random() * n);
      top.push(numerator[pick]!);
      bottom.push(denominator[pick]!);
    }
    estimates.push(median(top) / median(bottom));
  }
  estimates.sort((a, b) => a - b);
  return { n, ratio, ciLow: estimates[Math.floor(0.025 * resamples)]!, ciHigh: estimates[Math.ceil(0.975 * resamples) - 1]! };
}
