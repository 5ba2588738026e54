// Two-run comparisons: Mann–Whitney U (as Google Benchmark's compare.py) and an unpaired bootstrap CI of the median ratio.
import { median } from './stats.js';

export interface MannWhitney {
  /** U of the first sample: pairs (a_i, b_j) with a_i > b_j, ties counting one half. */
  u: number;
  /** Normal score of U (tie and continuity corrected); reported for both methods, negative when a ranks lower. */
  z: number;
  /** Two-sided p-value. */
  p: number;
  method: 'exact' | 'normal';
}

/** Largest group size for the exact null distribution; beyond it the normal approximation is within ~1e-3. */
const EXACT_LIMIT = 20;

/** Two-sided Mann–Whitney U test of a against b: exact without ties and n <= 20, else normal with tie and continuity corrections. */
export function mannWhitneyU(a: readonly number[], b: readonly number[]): MannWhitney {
  if (a.length === 0 || b.length === 0) throw new RangeError(`mannWhitneyU needs at least one sample in each group (got ${a.length} and ${b.length})`);
  checkFinite('mannWhitneyU', a, b);
  const n1 = a.length;
  const n2 = b.length;
  const { ranks, tieGroups } = midRanks([...a, ...b]);
  let rankSum = 0;
  for (let i = 0; i < n1; i++) rankSum += ranks[i]!;
  const u = rankSum - (n1 * (n1 + 1)) / 2;
  const z = normalScore(u, n1, n2, tieGroups);
  if (tieGroups.length === 0 && n1 <= EXACT_LIMIT && n2 <= EXACT_LIMIT) return { u, z, p: exactTwoSided(u, n1, n2), method: 'exact' };
  // Zero variance means every value is equal: nothing separates the groups.
  return { u, z, p: z === 0 ? 1 : Math.min(1, erfc(Math.abs(z) / Math.SQRT2)), method: 'normal' };
}

function checkFinite(what: string, ...groups: (readonly number[])[]): void {
  for (const group of groups) {
    const bad = group.find((value) => !Number.isFinite(value));
    if (bad !== undefined) throw new RangeError(`${what} needs finite numbers, got ${bad}`);
  }
}

/** 1-based mid-ranks of values (ties share the mean of their ranks) and the sizes of the tie groups (size >= 2). */
function midRanks(values: readonly number[]): { ranks: number[]; tieGroups: number[] } {
  const order = values.map((_, index) => index).sort((i, j) => values[i]! - values[j]!);
  const ranks = new Array<number>(values.length);
  const tieGroups: number[] = [];
  for (let start = 0; start < order.length; ) {
    let end = start + 1;
    while (end < order.length && values[order[end]!] === values[order[start]!]) end++;
    for (let k = start; k < end; k++) ranks[order[k]!] = (start + 1 + end) / 2;
    if (end - start > 1) tieGroups.push(end - start);
    start = end;
  }
  return { ranks, tieGroups };
}

/** (U - mean) / sd with the tie-corrected variance and a 0.5 continuity correction toward the mean; 0 when sd is 0. */
function normalScore(u: number, n1: number, n2: number, tieGroups: readonly number[]): number {
  const n = n1 + n2;
  const ties = tieGroups.reduce((sum, t) => sum + t * t * t - t, 0);
  const variance = ((n1 * n2) / 12) * (n + 1 - ties / (n * (n - 1)));
  if (variance <= 0) return 0;
  const distance = u - (n1 * n2) / 2;
  return (Math.sign(distance) * Math.max(0, Math.abs(distance) - 0.5)) / Math.sqrt(variance);
}

/** Exact two-sided p of U under H0: counts of n1-subsets of ranks 1..n1+n2 by rank sum (a knapsack over the ranks). */
function exactTwoSided(u: number, n1: number, n2: number): number {
  const n = n1 + n2;
  const maxSum = (n * (n + 1)) / 2;
  // ways[k][s]: number of k-subsets of the ranks seen so far with sum s (at most C(40, 20) ~ 1.4e11: exact in a double).
  const ways = Array.from({ length: n1 + 1 }, () => new Float64Array(maxSum + 1));
  ways[0]![0] = 1;
  for (let rank = 1; rank <= n; rank++) {
    for (let k = Math.min(rank, n1); k >= 1; k--) {
      const into = ways[k]!;
      const from = ways[k - 1]!;
      for (let s = maxSum; s >= rank; s--) into[s]! += from[s - rank]!;
    }
  }
  const offset = (n1 * (n1 + 1)) / 2;
  let total = 0;
  let atMost = 0;
  let atLeast = 0;
  for (let s = offset; s <= offset + n1 * n2; s++) {
    const count = ways[n1]![s]!;
    total += count;
    if (s - offset <= u) atMost += count;
    if (s - offset >= u) atLeast += count;
  }
  return Math.min(1, (2 * Math.min(atMost, atLeast)) / total);
}

/** Complementary error function (Chebyshev fit from Numerical Recipes' erfcc, relative error < 1.2e-7). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const poly = -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const value = t * Math.exp(poly);
  return x >= 0 ? value : 2 - value;
}

export interface RatioCi {
  /** median(b) / median(a). */
  ratio: number;
  ciLow: number;
  ciHigh: number;
}

/** 95 % percentile interval of `resamples` draws of `estimate` (the bootstrap's last step, shared by its variants). */
export function percentileInterval(resamples: number, estimate: () => number): { ciLow: number; ciHigh: number } {
  if (!Number.isInteger(resamples) || resamples < 1) throw new RangeError(`resamples must be a positive integer, got ${resamples}`);
  const estimates = Array.from({ length: resamples }, estimate).sort((x, y) => x - y);
  return { ciLow: estimates[Math.floor(0.025 * resamples)]!, ciHigh: estimates[Math.ceil(0.975 * resamples) - 1]! };
}

/** median(b) / median(a) with a 95 % percentile-bootstrap CI; a and b are resampled independently (two separate runs). */
export function bootstrapRatioCi(a: readonly number[], b: readonly number[], resamples: number, random: () => number): RatioCi {
  if (a.length === 0 || b.length === 0) throw new RangeError(`bootstrapRatioCi needs at least one sample in each group (got ${a.length} and ${b.length})`);
  checkFinite('bootstrapRatioCi', a, b);
  // A resample of a is any multiset of its values, so one zero could make the denominator 0.
  if (a.some((value) => value <= 0)) throw new RangeError('bootstrapRatioCi needs positive values in a (the denominator)');
  const draw = (values: readonly number[]) => Array.from({ length: values.length }, () => values[Math.floor(random() * values.length)]!);
  return { ratio: median(b) / median(a), ...percentileInterval(resamples, () => median(draw(b)) / median(draw(a))) };
}

/** Paired runs: the median of the per-pair ratios b[i]/a[i] with a 95 % bootstrap CI over pairs (the estimate the signed-rank test speaks to). */
export function pairedRatioCi(a: readonly number[], b: readonly number[], resamples: number, random: () => number): RatioCi {
  if (a.length === 0 || a.length !== b.length) throw new RangeError(`pairedRatioCi needs two non-empty lists of the same length, got ${a.length} and ${b.length}`);
  checkFinite('pairedRatioCi', a, b);
  if (a.some((value) => value <= 0)) throw new RangeError('pairedRatioCi needs positive values in a (the denominators)');
  const ratios = a.map((value, index) => b[index]! / value);
  const draw = () => Array.from({ length: ratios.length }, () => ratios[Math.floor(random() * ratios.length)]!);
  return { ratio: median(ratios), ...percentileInterval(resamples, () => median(draw())) };
}

export interface SignedRank {
  /** Sum of the ranks of the positive differences b − a. */
  w: number;
  /** Pairs with a non-zero difference (zeros are dropped, as in Wilcoxon's original test). */
  n: number;
  z: number;
  p: number;
  method: 'exact' | 'normal';
}

/** Two-sided Wilcoxon signed-rank test on pairs (a[i], b[i]): exact without ties up to 20 pairs, else normal with tie correction. */
export function wilcoxonSignedRank(a: readonly number[], b: readonly number[]): SignedRank {
  if (a.length === 0 || a.length !== b.length) throw new RangeError(`wilcoxonSignedRank needs two non-empty lists of the same length, got ${a.length} and ${b.length}`);
  checkFinite('wilcoxonSignedRank', a, b);
  const differences = a.map((value, index) => b[index]! - value).filter((difference) => difference !== 0);
  const n = differences.length;
  if (n === 0) return { w: 0, n: 0, z: 0, p: 1, method: 'exact' };
  const { ranks, tieGroups } = midRanks(differences.map(Math.abs));
  const w = ranks.reduce((sum, rank, index) => sum + (differences[index]! > 0 ? rank : 0), 0);
  const mean = (n * (n + 1)) / 4;
  const variance = (n * (n + 1) * (2 * n + 1)) / 24 - tieGroups.reduce((sum, t) => sum + t * t * t - t, 0) / 48;
  const distance = w - mean;
  const z = variance > 0 ? (Math.sign(distance) * Math.max(0, Math.abs(distance) - 0.5)) / Math.sqrt(variance) : 0;
  if (tieGroups.length === 0 && n <= EXACT_LIMIT) return { w, n, z, p: exactSignedRank(w, n), method: 'exact' };
  return { w, n, z, p: Math.min(1, erfc(Math.abs(z) / Math.SQRT2)), method: 'normal' };
}

/** Exact two-sided p of W+ under H0: each of the 2^n sign patterns of ranks 1..n equally likely (subset sums by rank). */
function exactSignedRank(w: number, n: number): number {
  const maxSum = (n * (n + 1)) / 2;
  const ways = new Float64Array(maxSum + 1);
  ways[0] = 1;
  for (let rank = 1; rank <= n; rank++) for (let s = maxSum; s >= rank; s--) ways[s]! += ways[s - rank]!;
  let atMost = 0;
  let atLeast = 0;
  for (let s = 0; s <= maxSum; s++) {
    if (s <= w) atMost += ways[s]!;
    if (s >= w) atLeast += ways[s]!;
  }
  return Math.min(1, (2 * Math.min(atMost, atLeast)) / 2 ** n);
}
