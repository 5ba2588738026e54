import t from 'tap';
import { seededRandom } from '../../harness/agent/bench-plan.js';
import { halfWidthPercent, median, medianCiRanks, pairedRatio, summarize } from '../../harness/results/stats.js';
import { medianHalfWidthPercent } from '../../harness/agent/bench-sampling.js';

t.test('median of odd and even lists', async (t) => {
  t.equal(median([3, 1, 2]), 2);
  t.equal(median([4, 1, 3, 2]), 2.5);
  t.throws(() => median([]), RangeError);
});

t.test('the CI half-width in percent of the median, by hand', async (t) => {
  t.equal(halfWidthPercent(90, 110, 100), 10, '[90, 110] around 100 is ±10 %');
  t.equal(halfWidthPercent(-110, -90, -100), 10, 'a negative median counts by its size');
  t.notOk(Number.isFinite(halfWidthPercent(1, 2, 0)), 'no relative width around 0');
  // 1..10: the CI is [x(2), x(9)] = [2, 9] around 5.5, so (9 - 2) / 2 / 5.5 = 63.6… %.
  t.equal(medianHalfWidthPercent(Array.from({ length: 10 }, (_, i) => 10 - i)).toFixed(3), '63.636', 'the agent\'s stop rule reads it off the sorted values');
});

t.test('median CI ranks match the binomial tables', async (t) => {
  // n=10: [x(2), x(9)] (1-based); n=20: [x(6), x(15)]; tiny n: min..max.
  t.same(medianCiRanks(10), { low: 1, high: 8 });
  t.same(medianCiRanks(20), { low: 5, high: 14 });
  t.same(medianCiRanks(5), { low: 0, high: 4 });
});

t.test('summarize reports median, CI, CV', async (t) => {
  const values = Array.from({ length: 10 }, (_, i) => i + 1);
  const summary = summarize(values);
  t.equal(summary.median, 5.5);
  t.equal(summary.ciLow, 2);
  t.equal(summary.ciHigh, 9);
  t.equal(summary.n, 10);
  t.ok(Math.abs(summary.cv - 3.02765 / 5.5) < 1e-4, `cv ${summary.cv}`);
  t.equal(summarize([7, 7, 7]).cv, 0);
});

t.test('seeded random repeats and stays in [0,1)', async (t) => {
  const a = seededRandom(42);
  const b = seededRandom(42);
  const first = Array.from({ length: 5 }, () => a());
  t.same(first, Array.from({ length: 5 }, () => b()));
  t.ok(first.every((value) => value >= 0 && value < 1));
  t.not(seededRandom(43)(), first[0]);
});

t.test('paired ratio: point estimate inside its CI, deterministic', async (t) => {
  const top = [20, 21, 19, 22, 20, 21, 20, 19, 23, 20];
  const bottom = [10, 10.5, 9.5, 11, 10, 10, 10, 9.8, 11, 10];
  const ratio = pairedRatio(top, bottom, 2000, seededRandom(1));
  t.equal(ratio.n, 10);
  t.equal(ratio.ratio, median(top) / median(bottom));
  t.ok(ratio.ciLow <= ratio.ratio && ratio.ratio <= ratio.ciHigh, JSON.stringify(ratio));
  t.ok(ratio.ciLow > 1.7 && ratio.ciHigh < 2.3);
  t.same(pairedRatio(top, bottom, 2000, seededRandom(1)), ratio);
});
