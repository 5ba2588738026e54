// The product's main job end to end: base, v5 and patched kernels booted under QEMU, suites inside, the A/B asserted.
import t from 'tap';
import type { TargetResult } from '../../harness/results/model.js';
import { execa } from 'execa';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { annotatedCaseCount } from '../helpers/cases.js';
import { CLI, runCli } from '../helpers/cli.js';
import { checkHtmlPage, chromiumSkipReason } from '../helpers/html-check.js';
import { readJunit } from '../helpers/junit.js';
import { figures } from '../helpers/report-fixture.js';
import { kcidbErrors } from '../helpers/kcidb.js';

if (process.env.KPTRLAB_E2E !== '1') {
  t.plan(0, 'set KPTRLAB_E2E=1 to build (or reuse) and boot five kernels (about 4 minutes with cached kernels)');
} else {
  t.test('kptrlab run --config config/ab.yaml', async (t) => {
    const run = await runCli(['run', '--config', 'config/ab.yaml']);
    if (run.exitCode !== 0) t.comment(`stdout tail:\n${run.stdout.slice(-3000)}\nstderr tail:\n${run.stderr.slice(-1000)}`);
    t.equal(run.exitCode, 0, 'exit code 0');
    const targets = new Map((run.results?.targets ?? []).map((target) => [target.target.name, target]));
    const verdict = (target: TargetResult | undefined, id: string) => target?.cases.find((entry) => entry.id === id)?.actual;
    const base = targets.get('base');
    const lock = targets.get('lock');
    const v5 = targets.get('v5');
    const patched = targets.get('patched');
    t.equal(base?.capability?.level, 'base', 'base kernel: none of the series');
    t.equal(v5?.capability?.level, 'nonown', 'v5 kernel: non-owning nodes, no MEM_RCU');
    t.equal(patched?.capability?.level, 'full', 'patched kernel: the full series');
    t.equal(verdict(base, 'fast_plain'), 'reject');
    t.equal(verdict(base, 'baseline_xchg_owning_locked'), 'reject');
    t.equal(lock?.capability?.level, 'lock', 'patch 1 only: kptr_xchg under a lock');
    t.equal(verdict(lock, 'baseline_xchg_owning_locked'), 'accept', 'patch 1 makes the baseline workaround load');
    t.equal(verdict(lock, 'fast_plain'), 'reject', 'but not the fast path');
    t.equal(verdict(v5, 'fast_plain'), 'accept', 'v5 accepts the fast path on plain nodes');
    t.equal(verdict(v5, 'fast_refcounted'), 'reject', 'v5 rejects it on refcounted nodes (the review finding)');
    t.equal(verdict(patched, 'fast_plain'), 'accept');
    t.equal(verdict(patched, 'fast_refcounted'), 'accept');
    for (const target of [base, lock, v5, patched]) {
      t.ok(target, 'target ran');
      if (!target) continue;
      const name = target.target.name;
      t.equal(target.cases.length, annotatedCaseCount(), `${name}: every annotated case ran, once`);
      t.ok(target.cases.every((entry) => entry.status === 'pass'), `${name}: every case as annotated (unsafe ones rejected)`);
      const unsafe = target.cases.filter((entry) => /after_unlock|without_lock|leak_|wrong_payload|non_kptr|drop_nonown|other_tree/.test(entry.id));
      t.ok(unsafe.length === 12 && unsafe.every((entry) => entry.actual === 'reject'), `${name}: unsafe cases rejected`);
      t.ok(target.bench && target.bench.integrity.length === target.bench.sizes.length && target.bench.integrity.every((entry) => entry.ok), `${name}: integrity in every cell`);
      // Keys spread over the whole tree: each variant touches every node of trees up to its total lookups.
      for (const integrity of target.bench?.integrity ?? []) {
        const total = (target.bench!.warmup + target.bench!.samples) * target.bench!.lookups * target.bench!.repeat;
        t.ok(integrity.variants.length > 0 && integrity.variants.every((entry) => entry.distinctNodes.counted === Math.min(integrity.size, total)), `${name}@${integrity.size}: every variant touched min(size, lookups) distinct nodes`);
      }
      t.ok(['kvm', 'tcg'].includes(target.target.accelerator), `${name}: accelerator labelled`);
      if (target.target.accelerator === 'tcg') t.ok(target.bench?.cells.every((cell) => cell.unit === 'icount-ns'), `${name}: TCG figures in icount-ns`);
      t.same(target.errors, [], `${name}: no errors or kernel splats`);
    }
    const arm64 = targets.get('patched-arm64');
    t.equal(arm64?.target.arch, 'arm64', 'arm64 guest booted');
    t.equal(arm64?.capability?.level, 'full', 'arm64 patched kernel: the full series');
    t.equal(arm64?.cases.length, annotatedCaseCount(), 'arm64: every annotated case ran');
    t.ok(arm64?.cases.every((entry) => entry.status === 'pass'), 'arm64: verifier matrix as annotated');
    t.equal(verdict(arm64, 'fast_refcounted'), 'accept');
    t.same(arm64?.errors, [], 'arm64: no errors or kernel splats');
    // The hardware matrix needs both arches measured: arm64 benchmarks too, under its own TCG icount.
    t.ok(arm64?.bench && arm64.bench.integrity.length === arm64.bench.sizes.length && arm64.bench.integrity.every((entry) => entry.ok), 'arm64: integrity in every cell');
    t.ok(arm64?.bench?.cells.length && arm64.bench.cells.every((cell) => cell.unit === 'icount-ns'), 'arm64: figures in icount-ns');
    t.ok(arm64?.bench?.ratios.some((ratio) => ratio.numerator === 'stock' && ratio.denominator === 'fast' && ratio.ratio > 1), 'arm64: stock/fast speedup measured');
    t.ok(patched?.bench?.ratios.some((ratio) => ratio.numerator === 'stock' && ratio.denominator === 'fast' && ratio.ratio > 1), 'patched: stock/fast speedup measured');
    t.match(run.stdout, /verdicts across kernels:/);
    t.match(run.stdout, /fast_refcounted\s+reject\s+reject\s+reject\s+accept\s+accept\s+yes\s+pass/);

    // The reports of this real A/B, each checked by its ecosystem's own reader (issue 14's done-when).
    const runDir = join(run.outputDir, run.results!.run.id);
    const write = async (format: string) => {
      const file = join(runDir, `report.${format === 'markdown' ? 'md' : format === 'junit' ? 'xml' : 'json'}`);
      const result = await execa(process.execPath, [CLI, 'report', runDir, '--format', format, '--output', file], { reject: false });
      t.equal(result.exitCode, 0, `report --format ${format}: ${result.stderr}`);
      return file;
    };
    const markdown = readFileSync(await write('markdown'), 'utf8');
    t.match(markdown, /fast_refcounted/, 'the Markdown summary names the verdict changes');
    t.ok(markdown.split('\n').length <= 80, 'and stays short enough for a review thread');
    const junit = await readJunit(await write('junit'));
    t.same(junit.suites.map((suite) => suite.name), ['base', 'lock', 'v5', 'patched', 'patched-arm64'], 'JUnit: one testsuite per target, read by junitparser');
    t.equal(junit.totals.failures + junit.totals.errors, 0, 'JUnit: no failure in a passing run');
    const kcidb = JSON.parse(readFileSync(await write('kcidb'), 'utf8')) as { builds: unknown[]; tests: Array<{ path: string; number?: { value: number } }> };
    t.same(kcidbErrors(kcidb), [], 'KCIDB: valid against the v5.3 schema (ajv)');
    t.equal(kcidb.builds.length, 5, 'KCIDB: one build per kernel');
    t.ok(kcidb.tests.some((test) => test.path.startsWith('bpf.bench.') && typeof test.number?.value === 'number'), 'KCIDB: benchmark figures in test.number');

    // The HTML page of the same run in headless Chromium: the five kernels' verdict matrix, speedups for both arches.
    const html = await execa(process.execPath, [CLI, 'report', runDir, '--format', 'html'], { reject: false });
    t.equal(html.exitCode, 0, `report --format html: ${html.stderr}`);
    const page = readFileSync(join(runDir, 'report.html'), 'utf8');
    if (chromiumSkipReason()) {
      t.fail(`the browser check needs Debian's chromium (bash scripts/install-deps installs it): ${chromiumSkipReason()}`);
    } else {
      const check = await checkHtmlPage(page, { screenshot: join(runDir, 'report.png') });
      t.same(check.problems, [], 'no console error, no request, every chart drawn with its marks');
      t.same(check.matrix, { rows: annotatedCaseCount(), columns: 5 }, 'the verdict matrix: every case on the five kernels');
      const ids = figures(page).map((chart) => chart.id);
      t.ok(ids.some((id) => /^speedup-\d+-x86-64-tcg-icount-ns/.test(id)), `x86_64 speedup chart (${ids.join(', ')})`);
      t.ok(ids.some((id) => /^speedup-\d+-arm64-tcg-icount-ns/.test(id)), 'arm64 speedup chart');
      t.ok(existsSync(join(runDir, 'report.png')), 'a screenshot in the run folder');
    }
  });
}
