import t from 'tap';
import { seededRandom } from '../../harness/agent/bench-plan.js';
import { bestSplit, detectChangePoints } from '../../harness/history/change-points.js';

/** level[i] times (1 + uniform noise of +-spread), seeded. */
function series(levels: number[], spread: number, seed: number): number[] {
  const random = seededRandom(seed);
  return levels.map((level) => level * (1 + spread * (2 * random() - 1)));
}

const steps = (...parts: [number, number][]) => parts.flatMap(([level, count]) => Array<number>(count).fill(level));

t.test('energy statistic matches hand computation', async (t) => {
  // [0,0,1,1]: between pairs 4 x 1, E = 2*4/4 = 2, Q = (2*2/4) * 2 = 2.
  t.same(bestSplit([0, 0, 1, 1], 2), { index: 2, q: 2 });
  // [0,0,0,3,3,3]: at 3, E = 2*27/9 = 6, Q = 9/6 * 6 = 9; at 2, Q = 8/6 * (4.5 - 1.5) = 4 (lower).
  t.same(bestSplit([0, 0, 0, 3, 3, 3], 2), { index: 3, q: 9 });
  t.equal(bestSplit([0, 0, 0, 3, 3, 3], 4), undefined, 'no split leaves 4 points each side');
});

t.test('a clear step is found at its index with its size', async (t) => {
  const values = series(steps([100, 25], [110, 25]), 0.01, 1);
  const points = detectChangePoints(values, { random: seededRandom(1) });
  t.equal(points.length, 1, JSON.stringify(points));
  const [point] = points;
  t.equal(point?.index, 25);
  t.ok(Math.abs(point!.before - 100) < 1 && Math.abs(point!.after - 110) < 1.1, JSON.stringify(point));
  t.ok(Math.abs(point!.relativeChange - 0.1) < 0.01);
  t.equal(point?.pValue, 1 / 200, 'no shuffle comes close');
  t.same(detectChangePoints(values, { random: seededRandom(1) }), points, 'seeded: the same answer again');
});

t.test('noise-only series give no change point', async (t) => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const values = series(Array<number>(60).fill(100), 0.05, seed);
    t.same(detectChangePoints(values, { random: seededRandom(seed) }), [], `seed ${seed}`);
  }
  t.same(detectChangePoints(Array<number>(30).fill(7), { random: seededRandom(1) }), [], 'constant');
});

t.test('a lone outlier is not a change point', async (t) => {
  const values = series(Array<number>(40).fill(1e6), 0.0005, 9);
  values[17] = 1.6e6;
  t.same(detectChangePoints(values, { random: seededRandom(2) }), []);
});

t.test('two steps are both found', async (t) => {
  const values = series(steps([100, 20], [110, 20], [95, 20]), 0.01, 2);
  const points = detectChangePoints(values, { random: seededRandom(2) });
  t.same(points.map((point) => point.index), [20, 40]);
  t.ok(points[0]!.relativeChange > 0.08 && points[1]!.relativeChange < -0.12, JSON.stringify(points));
  t.ok(Math.abs(points[1]!.before - points[0]!.after) < 1e-9, 'neighbours share the middle segment');
});

t.test('a significant step below minRelativeChange is not reported unless asked', async (t) => {
  const values = series(steps([1000, 20], [1005, 20]), 0.0002, 3);
  t.same(detectChangePoints(values, { random: seededRandom(1) }), [], '0.5 % < 1 %');
  const asked = detectChangePoints(values, { random: seededRandom(1), minRelativeChange: 0.001 });
  t.same(asked.map((point) => point.index), [20]);
});

t.test('a series shorter than two minimum segments gives none', async (t) => {
  t.same(detectChangePoints([1, 1, 1, 1, 9, 9, 9], { random: seededRandom(1) }), []);
  t.same(detectChangePoints([], { random: seededRandom(1) }), []);
  // Six points cannot reach p < 0.05: the clean split and its mirror are 2 of the 20 orders (p ~ 0.1).
  t.same(detectChangePoints(steps([1, 3], [9, 3]), { random: seededRandom(1), minSegment: 2 }), [], 'too little data to be significant');
});

t.test('bad options and values throw a RangeError naming the key', async (t) => {
  const random = seededRandom(1);
  t.throws(() => detectChangePoints([1, 2], { random, minSegment: 1 }), { name: 'RangeError', message: /minSegment must be an integer >= 2, got 1/ });
  t.throws(() => detectChangePoints([1, 2], { random, permutations: 0 }), { message: /permutations must be a positive integer, got 0/ });
  t.throws(() => detectChangePoints([1, 2], { random, pThreshold: 0 }), { message: /pThreshold must be a number in \(0, 1\]/ });
  t.throws(() => detectChangePoints([1, 2], {} as never), { message: /random must be a function/ });
  t.throws(() => detectChangePoints([1, Infinity], { random }), { message: /finite numbers, got Infinity/ });
});
