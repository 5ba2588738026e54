// The median and the order statistics of its distribution-free 95 % CI: one definition for the agent (which stops
// sampling on it, and travels alone) and the orchestrator's summaries.

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of an empty list');
  return medianOfSorted([...values].sort((a, b) => a - b));
}

/** Median of a non-empty list already in ascending order (no second sort where the caller sorted). */
export function medianOfSorted(sorted: readonly number[]): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Half the width of a CI [low, high] in percent of |median|: not finite when the median is 0. */
export function halfWidthPercent(low: number, high: number, median: number): number {
  return ((high - low) / 2 / Math.abs(median)) * 100;
}

/** Ranks (0-based, inclusive) of the order statistics bounding a >= 95 % CI for the median. */
export function medianCiRanks(n: number): { low: number; high: number } {
  // Largest k with P(B <= k - 1) <= 2.5 %, B ~ Binomial(n, 1/2): the interval [x(k), x(n-k+1)] (1-based) covers >= 95 %.
  // The CDF grows one log-space term per step, so large n stays exact enough and costs one pass.
  let k = 0;
  let logCoefficient = 0;
  let cdf = Math.exp(-n * Math.LN2);
  while (k + 1 <= n && cdf <= 0.025) {
    k++;
    logCoefficient += Math.log(n - k + 1) - Math.log(k);
    cdf += Math.exp(logCoefficient - n * Math.LN2);
  }
  const low = Math.max(0, k - 1);
  return { low, high: Math.min(n - 1, n - 1 - low) };
}
