// compare fed runs with and without real changes: a +5 % cell and a case that stopped passing are regressions, noise
// and identical runs are not, and unlike units are refused.
import t from 'tap';
import { seededRandom } from '../../harness/agent/bench-plan.js';
import { compareRuns, DEFAULT_THRESHOLDS } from '../../harness/history/compare.js';
import type { CaseResult, RunResults, SampleRecord, TargetResult } from '../../harness/results/model.js';
import type { TimeUnit } from '../../harness/results/vocab.js';

const rounds = 10;

// Per-access cost `cost` (+ seeded noise of `jitter`, relative) over an empty loop of 1000 per round.
function samples(variant: 'stock' | 'walk', cost: number, jitter: number, seed: number): SampleRecord[] {
  const random = seededRandom(seed);
  const list: SampleRecord[] = [];
  for (let round = -1; round < rounds; round++) {
    const value = cost * (1 + jitter * (random() - 0.5) * 2);
    list.push({ size: 4096, variant, round, durationNs: 1000 + value * 100, lookups: 100, hits: 100, misses: 0, keyOffset: 0 });
    list.push({ size: 4096, variant: 'empty', round, durationNs: 1000, lookups: 100, hits: 0, misses: 0, keyOffset: 0 });
  }
  return list;
}

function run(id: string, options: { stock: number; walk: number; jitter: number; seed: number; unit?: TimeUnit; status?: CaseResult['status'] }): RunResults {
  const unit = options.unit ?? 'icount-ns';
  const raw = [...samples('stock', options.stock, options.jitter, options.seed), ...samples('walk', options.walk, options.jitter, options.seed + 1)];
  const cell = (variant: 'stock' | 'walk') => ({ size: 4096, variant, unit, lookupsPerSample: 100, perLookup: { n: 10, median: 1, ciLow: 1, ciHigh: 1, mean: 1, cv: 0, min: 1, max: 1 }, perAccess: null, durations: [] });
  const target: TargetResult = {
    target: { name: 'patched', kind: 'qemu', accelerator: 'tcg', timeUnit: unit, kernelRelease: '7.3.4', arch: 'x86_64' },
    cases: [{ id: 'fast_plain', source: 's', description: '', level: 'full', expected: 'accept', actual: options.status === 'fail' ? 'reject' : 'accept', status: options.status ?? 'pass', stats: { insnsProcessed: 100, maxStatesPerInsn: 1, totalStates: 10, peakStates: 5, markRead: 0, verificationTimeUs: 50 } }],
    compileErrors: [],
    errors: [],
    bench: { sizes: [4096], samples: rounds, warmup: 1, lookups: 100, repeat: 1, seed: 1, unit, rejected: [], rawSamples: raw, cells: [cell('stock'), cell('walk')], calibration: [], ratios: [], integrity: [], errors: [] },
  };
  return { schema: 'kptrlab.results', schemaVersion: 2, run: { id, configFile: 'c', configHash: 'h', startedAt: '', status: 'passed', host: { hostname: 'h', cpu: 'c', cores: 2, memoryGiB: 24, kernelRelease: '6.18' }, kptrlab: { version: '0', commit: 'c' } }, targets: [target] };
}

const compare = (a: RunResults, b: RunResults) => compareRuns(a, b, DEFAULT_THRESHOLDS, seededRandom(1));

t.test('two runs of the same kernels with noise: no change, no alert', async (t) => {
  const report = compare(run('a', { stock: 760, walk: 300, jitter: 0.01, seed: 1 }), run('b', { stock: 760, walk: 300, jitter: 0.01, seed: 7 }));
  t.same(report.regressions, []);
  t.equal(report.cells.length, 2);
  t.ok(report.cells.every((cell) => cell.verdict === 'same'), JSON.stringify(report.cells.map((cell) => [cell.variant, cell.ratio, cell.p])));
});

t.test('+5 % on one variant is flagged with its CI and p; the other variant is not', async (t) => {
  const report = compare(run('a', { stock: 760, walk: 300, jitter: 0.01, seed: 1 }), run('b', { stock: 798, walk: 300, jitter: 0.01, seed: 7 }));
  const stock = report.cells.find((cell) => cell.variant === 'stock')!;
  t.equal(stock.verdict, 'slower');
  t.ok(stock.ciLow > 1.02 && stock.ciHigh < 1.08, `CI [${stock.ciLow}, ${stock.ciHigh}] around +5 %`);
  t.ok(stock.p < 0.05);
  t.equal(report.cells.find((cell) => cell.variant === 'walk')!.verdict, 'same');
  t.match(report.regressions, [/patched bench stock size 4096: \d\.\d % slower/]);
  const faster = compare(run('a', { stock: 798, walk: 300, jitter: 0.01, seed: 1 }), run('b', { stock: 760, walk: 300, jitter: 0.01, seed: 7 }));
  t.equal(faster.cells.find((cell) => cell.variant === 'stock')!.verdict, 'faster');
  t.same(faster.regressions, [], 'an improvement is not a regression');
});

t.test('a slowdown below the threshold is not a regression even when significant (icount is deterministic)', async (t) => {
  const report = compare(run('a', { stock: 760, walk: 300, jitter: 0, seed: 1 }), run('b', { stock: 770, walk: 300, jitter: 0, seed: 1 }));
  const stock = report.cells.find((cell) => cell.variant === 'stock')!;
  t.ok(stock.p < 0.05, `p ${stock.p}`);
  t.equal(stock.verdict, 'same', '+1.3 % is under the 3 % threshold');
});

t.test('a case that stopped passing is a regression; deltas are reported', async (t) => {
  const report = compare(run('a', { stock: 760, walk: 300, jitter: 0, seed: 1 }), run('b', { stock: 760, walk: 300, jitter: 0, seed: 1, status: 'fail' }));
  t.match(report.regressions, [/patched case fast_plain: pass \(accept\) → fail \(reject\)/]);
  t.equal(report.cases[0]!.verdictChanged, true);
});

t.test('different units are not compared', async (t) => {
  const report = compare(run('a', { stock: 760, walk: 300, jitter: 0, seed: 1 }), run('b', { stock: 900, walk: 300, jitter: 0, seed: 1, unit: 'ns' }));
  t.same(report.cells, []);
  t.match(report.refused, [/patched: benchmark not compared: unit icount-ns vs ns/]);
  t.same(report.regressions, [], 'nothing compared, nothing flagged');
});

t.test('a target error or compile error the baseline did not have is a regression; one it had is not new', async (t) => {
  const a = run('a', { stock: 760, walk: 300, jitter: 0, seed: 1 });
  const b = run('b', { stock: 760, walk: 300, jitter: 0, seed: 1 });
  b.targets[0]!.errors.push({ stage: 'probe', code: 'SERIES_MISMATCH', message: 'declares full, finds base\nmore' });
  b.targets[0]!.compileErrors.push({ source: 'programs/cases/x.bpf.c', firstError: 'error: boom' });
  t.match(compare(a, b).regressions, [/patched probe: SERIES_MISMATCH: declares full, finds base$/, /patched compile programs\/cases\/x\.bpf\.c: error: boom/]);
  a.targets[0]!.errors.push({ stage: 'probe', code: 'SERIES_MISMATCH', message: 'old' });
  a.targets[0]!.compileErrors.push({ source: 'programs/cases/x.bpf.c', firstError: 'error: boom' });
  t.same(compare(a, b).regressions, [], 'already failing the same way: nothing new');
});
