// Change points in a nightly series: E-divisive means (Matteson & James 2014, as in Apache Otava) with a permutation test.
import { median } from '../results/stats.js';

export interface ChangePoint {
  /** First element of the new segment. */
  index: number;
  /** Median of the segment before (back to the previous reported change point). */
  before: number;
  /** Median of the segment after (up to the next reported change point). */
  after: number;
  /** (after - before) / before. */
  relativeChange: number;
  /** Permutation p-value of the split when it was found. */
  pValue: number;
}

export interface ChangePointOptions {
  /** Fewest points on either side of a split (>= 2: the energy statistic needs a pair within each side). Default 4. */
  minSegment?: number;
  /** Shuffles in the permutation test. Default 199. */
  permutations?: number;
  /** A split is kept when its p-value is below this. Default 0.05. */
  pThreshold?: number;
  /** Splits whose medians differ by less than this fraction are not reported. Default 0.01 (1 %). */
  minRelativeChange?: number;
  /** Uniform [0, 1) source for the shuffles; pass a seeded one so the same history always gives the same answer. */
  random: () => number;
}

type Settings = Required<ChangePointOptions>;

/** Options with their defaults, each checked; messages name the key, what it must be and what was given. */
function settle(options: ChangePointOptions): Settings {
  const settings = { minSegment: 4, permutations: 199, pThreshold: 0.05, minRelativeChange: 0.01, ...options };
  const rules: [keyof Settings, boolean, string][] = [
    ['minSegment', Number.isInteger(settings.minSegment) && settings.minSegment >= 2, 'an integer >= 2'],
    ['permutations', Number.isInteger(settings.permutations) && settings.permutations >= 1, 'a positive integer'],
    ['pThreshold', settings.pThreshold > 0 && settings.pThreshold <= 1, 'a number in (0, 1]'],
    ['minRelativeChange', settings.minRelativeChange >= 0, 'a number >= 0'],
    ['random', typeof settings.random === 'function', 'a function returning uniform numbers in [0, 1)'],
  ];
  for (const [key, ok, expected] of rules) if (!ok) throw new RangeError(`change points: ${key} must be ${expected}, got ${String(settings[key])}`);
  return settings;
}

/** The split maximizing the energy statistic Q (alpha = 1) with >= minSegment points each side; O(n^2) time, O(n) memory. */
export function bestSplit(values: readonly number[], minSegment: number): { index: number; q: number } | undefined {
  const n = values.length;
  if (n < 2 * minSegment) return undefined;
  // toEarlier[t] / toLater[t]: sum of |x_t - x_i| over i < t / i > t; moving t across the split updates the sums in O(1).
  const toEarlier = new Float64Array(n);
  const toLater = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const distance = Math.abs(values[i]! - values[j]!);
      toLater[i]! += distance;
      toEarlier[j]! += distance;
    }
  }
  let withinLeft = 0;
  let withinRight = toLater.reduce((sum, value) => sum + value, 0);
  let between = 0;
  let best: { index: number; q: number } | undefined;
  for (let split = 1; split < n; split++) {
    const moved = split - 1;
    withinLeft += toEarlier[moved]!;
    withinRight -= toLater[moved]!;
    between += toLater[moved]! - toEarlier[moved]!;
    const m = split;
    const k = n - split;
    if (m < minSegment || k < minSegment) continue;
    const energy = (2 * between) / (m * k) - (2 * withinLeft) / (m * (m - 1)) - (2 * withinRight) / (k * (k - 1));
    const q = ((m * k) / (m + k)) * energy;
    if (!best || q > best.q) best = { index: split, q };
  }
  return best;
}

/** p = (1 + #{shuffles with max Q >= observed}) / (1 + shuffles); stops early (returning a lower bound) once p >= pThreshold. */
function permutationP(values: readonly number[], observed: number, settings: Settings): number {
  const { minSegment, permutations, pThreshold, random } = settings;
  const deck = [...values];
  // Summation order differs between arrangements, so an equal Q may come out a few ulps lower.
  const bar = observed - 1e-12 * Math.abs(observed);
  let atLeast = 0;
  for (let round = 0; round < permutations; round++) {
    for (let i = deck.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [deck[i], deck[j]] = [deck[j]!, deck[i]!];
    }
    if (bestSplit(deck, minSegment)!.q >= bar) atLeast++;
    if ((1 + atLeast) / (1 + permutations) >= pThreshold) break;
  }
  return (1 + atLeast) / (1 + permutations);
}

/** (after - before) / before, with a zero baseline giving 0 (no change) or an infinite change. */
function relative(before: number, after: number): number {
  if (before !== 0) return (after - before) / before;
  return after === 0 ? 0 : Math.sign(after) * Infinity;
}

/** Change points with medians taken between neighbouring kept points. */
function describe(series: readonly number[], kept: readonly { index: number; pValue: number }[]): ChangePoint[] {
  return kept.map(({ index, pValue }, i) => {
    const before = median(series.slice(kept[i - 1]?.index ?? 0, index));
    const after = median(series.slice(index, kept[i + 1]?.index ?? series.length));
    return { index, before, after, relativeChange: relative(before, after), pValue };
  });
}

/** Significant change points of a series, sorted by index: bisection with E-divisive means, then the magnitude filter. */
export function detectChangePoints(series: readonly number[], options: ChangePointOptions): ChangePoint[] {
  const settings = settle(options);
  const bad = series.find((value) => !Number.isFinite(value));
  if (bad !== undefined) throw new RangeError(`change points: the series must hold finite numbers, got ${bad}`);
  const found: { index: number; pValue: number }[] = [];
  const search = (start: number, end: number) => {
    const segment = series.slice(start, end);
    const best = bestSplit(segment, settings.minSegment);
    // Q <= 0: the sides are no further apart than points within them (always so for a constant segment).
    if (!best || best.q <= 0) return;
    const pValue = permutationP(segment, best.q, settings);
    if (pValue >= settings.pThreshold) return;
    found.push({ index: start + best.index, pValue });
    search(start, start + best.index);
    search(start + best.index, end);
  };
  search(0, series.length);
  found.sort((x, y) => x.index - y.index);
  // Drop the weakest too-small change first and re-measure its neighbours, whose segments now merge (as Otava does).
  for (;;) {
    const points = describe(series, found);
    let weakest = -1;
    points.forEach((point, i) => {
      const size = Math.abs(point.relativeChange);
      if (size < settings.minRelativeChange && (weakest < 0 || size < Math.abs(points[weakest]!.relativeChange))) weakest = i;
    });
    if (weakest < 0) return points;
    found.splice(weakest, 1);
  }
}
