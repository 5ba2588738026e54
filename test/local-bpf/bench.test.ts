// The benchmark through the real CLI: stock and walk measured with CIs, fast/baseline rejected, integrity holds.
import t from 'tap';
import { bpfSkipReason } from '../helpers/bpf-env.js';
import { runCli } from '../helpers/cli.js';

const skip = bpfSkipReason();
if (skip) t.comment(`skipping local BPF tests: ${skip}`);

t.test('kptrlab bench on the local kernel', { skip }, async (t) => {
  const run = await runCli(['bench', '--config', 'config/quick.yaml', '--sizes', '16,1024']);
  t.equal(run.exitCode, 0, `exit code (stderr: ${run.stderr.slice(-400)})`);
  const bench = run.results?.targets[0]?.bench;
  t.ok(bench, 'bench results written');
  if (!bench) return;
  t.same(bench.rejected.map((entry) => entry.variant).sort(), ['baseline', 'fast']);
  for (const entry of bench.rejected) t.match(entry.message, /function calls are not allowed while holding a lock/);
  for (const size of [16, 1024]) {
    for (const variant of ['stock', 'walk', 'empty'] as const) {
      const cell = bench.cells.find((entry) => entry.size === size && entry.variant === variant);
      t.ok(cell, `cell ${variant}@${size}`);
      if (!cell) continue;
      t.equal(cell.perLookup.n, 10, 'ten samples');
      t.equal(cell.unit, 'ns');
      t.ok(cell.perLookup.ciLow <= cell.perLookup.median && cell.perLookup.median <= cell.perLookup.ciHigh, 'median inside its CI');
    }
    const integrity = bench.integrity.find((entry) => entry.size === size);
    t.match(integrity, { ok: true, nodes: { expected: size, counted: size }, misses: 0, badSamples: 0 }, `integrity at ${size}`);
    t.same(integrity?.variants.map((entry) => entry.variant).sort(), ['stock', 'walk'], 'each measured variant is checked on its own');
    for (const entry of integrity?.variants ?? []) {
      // quick.yaml: (warmup + samples) rounds × lookups × repeat accesses per variant, every one counted in the nodes.
      t.equal(entry.accesses.counted, entry.accesses.expected, `${entry.variant}@${size}: accesses counted in the nodes`);
      t.equal(entry.accesses.expected, (bench.warmup + bench.samples) * bench.lookups * bench.repeat, `${entry.variant}@${size}: every lookup hit`);
      t.equal(entry.distinctNodes.counted, Math.min(size, (bench.warmup + bench.samples) * bench.lookups * bench.repeat), `${entry.variant}@${size}: distinct nodes`);
    }
    t.equal(bench.rawSamples.filter((entry) => entry.size === size).length, 3 * (bench.warmup + bench.samples), 'every raw sample kept, warm-up included');
    const stock = bench.cells.find((entry) => entry.size === size && entry.variant === 'stock')!;
    const walk = bench.cells.find((entry) => entry.size === size && entry.variant === 'walk')!;
    t.ok(stock.perAccess!.median > walk.perAccess!.median, `remove+readd costs more than a walk at ${size}`);
    t.ok(bench.ratios.some((ratio) => ratio.size === size && ratio.numerator === 'stock' && ratio.denominator === 'walk'), 'stock/walk ratio');
  }
  t.notOk(bench.cells.some((entry) => entry.variant === 'fast' || entry.variant === 'baseline'), 'rejected variants are not measured');
  t.match(run.stdout, /stock\/walk/);
  t.match(run.stdout, /fast: not measured, the verifier rejects it here/);
});
