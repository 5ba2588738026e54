import t from 'tap';
import { seededRandom } from '../../harness/agent/bench-plan.js';
import { bootstrapRatioCi, mannWhitneyU } from '../../harness/results/significance.js';
import { median } from '../../harness/results/stats.js';

/** Exact two-sided p by brute force: every way to pick a's ranks out of the pooled values (no ties). */
function enumeratedP(a: number[], b: number[]): number {
  const pooled = [...a, ...b];
  const uOf = (picked: number[]) => picked.reduce((u, i) => u + pooled.filter((value, j) => !picked.includes(j) && value < pooled[i]!).length, 0);
  const observed = uOf(a.map((_, i) => i));
  const all: number[] = [];
  const choose = (from: number, picked: number[]) => {
    if (picked.length === a.length) return void all.push(uOf(picked));
    for (let i = from; i < pooled.length; i++) choose(i + 1, [...picked, i]);
  };
  choose(0, []);
  const low = all.filter((u) => u <= observed).length;
  const high = all.filter((u) => u >= observed).length;
  return Math.min(1, (2 * Math.min(low, high)) / all.length);
}

t.test('exact p matches enumeration (textbook example: U = 17, p = 14/126)', async (t) => {
  const a = [19, 22, 16, 29, 24];
  const b = [20, 11, 17, 12];
  const result = mannWhitneyU(a, b);
  t.equal(result.method, 'exact');
  t.equal(result.u, 17);
  t.ok(Math.abs(result.p - 14 / 126) < 1e-12, `p ${result.p}`);
  t.ok(Math.abs(result.p - enumeratedP(a, b)) < 1e-12);
  const random = seededRandom(7);
  for (let round = 0; round < 5; round++) {
    const x = Array.from({ length: 4 + round }, () => random());
    const y = Array.from({ length: 6 - (round % 3) }, () => random() + 0.2);
    t.ok(Math.abs(mannWhitneyU(x, y).p - enumeratedP(x, y)) < 1e-12, `round ${round}`);
  }
});

t.test('p is symmetric, U of the two orders sums to n1 n2, z flips sign', async (t) => {
  for (const [a, b] of [
    [[19, 22, 16, 29, 24], [20, 11, 17, 12]],
    [[1, 2, 2, 3, 4, 5], [2, 3, 3, 6, 7, 8, 9]],
  ] as const) {
    const ab = mannWhitneyU(a, b);
    const ba = mannWhitneyU(b, a);
    t.equal(ab.p, ba.p);
    t.equal(ab.u + ba.u, a.length * b.length);
    t.equal(ab.z, -ba.z);
  }
});

t.test('identical and all-equal samples give p = 1', async (t) => {
  const sample = [3, 1, 4, 1.5, 9, 2.6];
  t.equal(mannWhitneyU(sample, sample).p, 1);
  t.same(mannWhitneyU([5, 5, 5], [5, 5, 5, 5]), { u: 6, z: 0, p: 1, method: 'normal' });
  t.equal(mannWhitneyU([1], [2]).p, 1, 'one value each cannot be significant');
});

t.test('separated samples: exact p = 2 / C(20, 10)', async (t) => {
  const low = Array.from({ length: 10 }, (_, i) => 100 + i);
  const high = low.map((value) => value + 50);
  const result = mannWhitneyU(low, high);
  t.equal(result.u, 0);
  t.ok(Math.abs(result.p - 2 / 184756) < 1e-15, `p ${result.p}`);
  t.ok(result.z < 0, 'a ranks lower');
});

t.test('ties use the normal approximation with tie and continuity corrections', async (t) => {
  // Both constant but different: var = 9/12 * (7 - 48/30) = 4.05, z = (4.5 - 0.5) / sqrt(4.05), p = 0.046854 (two-sided).
  const constant = mannWhitneyU([1, 1, 1], [2, 2, 2]);
  t.equal(constant.method, 'normal');
  t.equal(constant.u, 0);
  t.ok(Math.abs(constant.z + 4 / Math.sqrt(4.05)) < 1e-12, `z ${constant.z}`);
  t.ok(Math.abs(constant.p - 0.0468542) < 1e-6, `p ${constant.p}`);
  // Mid-ranks: U = 9, var = 42/12 * (14 - 12/182), p = 0.0966705 (as SciPy's asymptotic method).
  const tied = mannWhitneyU([1, 2, 2, 3, 4, 5], [2, 3, 3, 6, 7, 8, 9]);
  t.equal(tied.u, 9);
  t.ok(Math.abs(tied.p - 0.0966705) < 1e-6, `p ${tied.p}`);
});

t.test('groups larger than 20 use the normal approximation', async (t) => {
  const a = Array.from({ length: 25 }, (_, i) => i * 1.1);
  const b = Array.from({ length: 22 }, (_, i) => i + 3.3);
  const result = mannWhitneyU(a, b);
  t.equal(result.method, 'normal');
  t.equal(result.u, 263.5);
  t.ok(Math.abs(result.p - 0.8145754) < 1e-6, `p ${result.p}`);
});

t.test('empty or non-finite input throws a clear RangeError', async (t) => {
  t.throws(() => mannWhitneyU([], [1, 2]), { name: 'RangeError', message: /at least one sample in each group \(got 0 and 2\)/ });
  t.throws(() => mannWhitneyU([1, NaN], [1, 2]), { name: 'RangeError', message: /finite numbers, got NaN/ });
  t.throws(() => bootstrapRatioCi([1], [], 100, seededRandom(1)), { message: /got 1 and 0/ });
  t.throws(() => bootstrapRatioCi([0, 1], [1, 2], 100, seededRandom(1)), { message: /positive values in a/ });
  t.throws(() => bootstrapRatioCi([1, 2], [1, 2], 0, seededRandom(1)), { message: /resamples must be a positive integer, got 0/ });
});

t.test('bootstrap ratio: median(b) / median(a), CI around it, seeded', async (t) => {
  const a = [10, 11, 9, 10, 10.5, 9.8, 10.2];
  const b = [20, 21, 19, 22, 20, 20.4, 19.6];
  const result = bootstrapRatioCi(a, b, 2000, seededRandom(1));
  t.equal(result.ratio, median(b) / median(a));
  t.ok(result.ciLow < result.ratio && result.ratio < result.ciHigh, JSON.stringify(result));
  t.ok(result.ciLow > 1.8 && result.ciHigh < 2.25, JSON.stringify(result));
  t.same(bootstrapRatioCi(a, b, 2000, seededRandom(1)), result);
});

t.test('bootstrap ratio resamples the runs independently, not in pairs', async (t) => {
  // b = 2a round by round: paired resampling would always give exactly 2; two separate runs must not.
  const a = [8, 9, 10, 11, 12];
  const b = a.map((value) => value * 2);
  const result = bootstrapRatioCi(a, b, 1000, seededRandom(3));
  t.equal(result.ratio, 2);
  t.ok(result.ciLow < 1.9 && result.ciHigh > 2.1, JSON.stringify(result));
});

t.test('Wilcoxon signed-rank on round pairs: exact p, zeros dropped, ties by the normal approximation, bad input refused', async (t) => {
  const { wilcoxonSignedRank } = await import('../../harness/results/significance.js');
  const before = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
  const allUp = wilcoxonSignedRank(before, before.map((value, index) => value + index + 1));
  t.match(allUp, { w: 55, n: 10, method: 'exact' });
  t.equal(allUp.p, 2 / 1024, 'every pair slower: the most extreme of 2^10 sign patterns, both tails');
  // Hand count for n = 3 with differences +1, −2, +3: W+ = 4; sums <= 4 of {1,2,3} are 0,1,2,3,3,4 → 5 of 8... two-sided p = 2·min(6/8, 3/8) = 0.75.
  t.equal(wilcoxonSignedRank([0, 0, 0], [1, -2, 3]).p, 0.75);
  t.same(wilcoxonSignedRank(before, before), { w: 0, n: 0, z: 0, p: 1, method: 'exact' }, 'identical runs: no evidence at all');
  t.equal(wilcoxonSignedRank([1, 1, 1, 1, 1, 1, 1, 1], [2, 2, 2, 2, 2, 2, 2, 2]).method, 'normal', 'tied differences use the normal approximation');
  t.ok(wilcoxonSignedRank([1, 1, 1, 1, 1, 1, 1, 1], [2, 2, 2, 2, 2, 2, 2, 2]).p < 0.05);
  t.throws(() => wilcoxonSignedRank([1, 2], [1]), { message: /same length, got 2 and 1/ });
  t.throws(() => wilcoxonSignedRank([], []), RangeError);
});

t.test('paired ratio CI: the median of per-pair ratios, inside its CI; outlier pairs do not drag it', async (t) => {
  const { pairedRatioCi } = await import('../../harness/results/significance.js');
  const { seededRandom } = await import('../../harness/agent/bench-plan.js');
  const before = [100, 110, 90, 105, 95, 100, 130, 100, 98, 102];
  const after = before.map((value, index) => (index === 6 ? value * 0.8 : value * 1.06));
  const ci = pairedRatioCi(before, after, 2000, seededRandom(1));
  t.ok(Math.abs(ci.ratio - 1.06) < 1e-9, `${ci.ratio}`);
  t.ok(ci.ciLow > 1 && ci.ciLow <= ci.ratio && ci.ratio <= ci.ciHigh, JSON.stringify(ci));
  t.throws(() => pairedRatioCi([1, 2], [1], 10, seededRandom(1)), { message: /same length/ });
  t.throws(() => pairedRatioCi([0, 1], [1, 1], 10, seededRandom(1)), { message: /positive values/ });
});
