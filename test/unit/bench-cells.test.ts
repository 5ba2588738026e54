import t from 'tap';
import { buildCell, buildRatios, perLookup, type RawSample } from '../../harness/suites/bench-cells.js';
import type { BenchVariant } from '../../harness/results/vocab.js';
import { chooseKeys, distinctKeys, keyOffset, roundOrder } from '../../harness/agent/bench-plan.js';

const samples = (values: number[], lookups = 100): RawSample[] => values.map((durationNs, round) => ({ round, durationNs, lookups }));

t.test('per-lookup cost subtracts the empty loop of the same round', async (t) => {
  const empty = samples([100, 200]);
  t.same(perLookup(samples([1100, 1200]), empty), [10, 10]);
  t.same(perLookup(samples([1100, 1200])), [11, 12]);
});

t.test('cells and ratios from interleaved samples', async (t) => {
  const empty = samples(Array(10).fill(100));
  const stock = samples(Array.from({ length: 10 }, (_, i) => 3100 + i));
  const walk = samples(Array(10).fill(1100));
  const cell = buildCell(16, 'stock', 'ns', stock, empty);
  t.equal(cell.perAccess?.median, (3104.5 - 100) / 100);
  t.equal(cell.perLookup.median, 31.045);
  t.equal(cell.durations.length, 10);
  t.equal(buildCell(16, 'empty', 'ns', empty, empty).perAccess, null);
  const bySample = new Map<BenchVariant, RawSample[]>([['stock', stock], ['walk', walk]]);
  const ratios = buildRatios(16, 'ns', bySample, empty, 1);
  t.same(ratios.map((ratio) => `${ratio.numerator}/${ratio.denominator}`), ['stock/walk'], 'only pairs where both ran');
  t.equal(ratios[0]!.unit, 'ns', 'a ratio carries the unit of its sides');
  t.ok(Math.abs(ratios[0]!.ratio - 30.045 / 10) < 1e-9);
});

t.test('round order rotates so no variant always runs first', async (t) => {
  t.same(roundOrder(['a', 'b', 'c'], 0), ['a', 'b', 'c']);
  t.same(roundOrder(['a', 'b', 'c'], 1), ['b', 'c', 'a']);
  t.same(roundOrder(['a', 'b', 'c'], 5), ['c', 'a', 'b']);
});

t.test('warm-up rounds are thrown away', async (t) => {
  const withWarmup = [{ round: -1, durationNs: 99999, lookups: 100 }, ...samples([1100, 1200])];
  const cell = buildCell(16, 'walk', 'ns', withWarmup, []);
  t.equal(cell.perLookup.n, 2);
  t.same(cell.durations, [1100, 1200]);
});

t.test('lookup keys: seeded shuffles of the whole tree, every window of a tree size hits every node', async (t) => {
  const keys = chooseKeys(16, 1, 64);
  t.equal(keys.length, 64);
  t.ok(keys.every((key) => key < 16));
  t.same(chooseKeys(16, 1, 64), keys);
  t.not(chooseKeys(16, 2, 64).join(), keys.join());
  for (let start = 0; start < 64; start += 16) t.equal(new Set(keys.subarray(start, start + 16)).size, 16, `shuffle at ${start} is a permutation`);
  const big = chooseKeys(65536, 1, 65536);
  t.equal(new Set(big).size, 65536, 'one shuffle of a 65536-node tree covers it');
});

t.test('key windows: each round starts where the last ended, and the distinct count follows the windows', async (t) => {
  t.same([0, 1, 2, 3].map((run) => keyOffset(run, 200, 2, 65536)), [0, 400, 800, 1200]);
  t.equal(keyOffset(164, 200, 2, 65536), 164 * 400 % 65536, 'wraps around the key array');
  const keys = chooseKeys(65536, 1, 65536);
  // 40 rounds of 400 keys: 16,000 distinct nodes of a 65,536-node tree (one shuffle, no repeats).
  const offsets = Array.from({ length: 40 }, (_, run) => keyOffset(run, 200, 2, keys.length));
  t.equal(distinctKeys(keys, offsets, 400), 16000);
  // The old plan (every sample from index 0) touched one window only: the failing case this replaces.
  t.equal(distinctKeys(keys, offsets.map(() => 0), 400), 400);
});
