import t from 'tap';
import { buildCell, buildRatios, perLookup, type RawSample } from '../../harness/suites/bench-cells.js';
import type { BenchVariant } from '../../harness/suites/capability.js';
import { chooseKeys, KEYS_MAX, roundOrder } from '../../harness/suites/bench-plan.js';

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
  const ratios = buildRatios(16, bySample, empty, 1);
  t.same(ratios.map((ratio) => `${ratio.numerator}/${ratio.denominator}`), ['stock/walk'], 'only pairs where both ran');
  t.ok(Math.abs(ratios[0]!.ratio - 30.045 / 10) < 1e-9);
});

t.test('round order rotates so no variant always runs first', async (t) => {
  t.same(roundOrder(['a', 'b', 'c'], 0), ['a', 'b', 'c']);
  t.same(roundOrder(['a', 'b', 'c'], 1), ['b', 'c', 'a']);
  t.same(roundOrder(['a', 'b', 'c'], 5), ['c', 'a', 'b']);
});

t.test('lookup keys are in range, seeded and the same for every call', async (t) => {
  const keys = chooseKeys(16, 1);
  t.equal(keys.length, KEYS_MAX);
  t.ok(keys.every((key) => key < 16));
  t.same(chooseKeys(16, 1), keys);
  t.not(chooseKeys(16, 2).join(), keys.join());
  t.ok(new Set(chooseKeys(65536, 1)).size > 4000, 'keys spread over a large tree');
});
