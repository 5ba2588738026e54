// The HTML report rendered from plain data (no browser here; test/unit/report-html-browser.test.ts opens it in Chromium).
import t from 'tap';
import type { RunResults, SelftestResult } from '../../harness/results/model.js';
import { renderHtmlReport, type CellHistory } from '../../harness/report/html/index.js';
import { abRun, figures } from '../helpers/report-fixture.js';

const distinct = <T>(values: readonly T[]) => new Set(values).size;

t.test('the A/B run: what changed comes first, then a matrix row per case and a column per target', async (t) => {
  const run = abRun();
  const html = await renderHtmlReport({ runs: [run] });
  const order = ['changes', 'verdicts', 'bench', 'selftests', 'provenance'].map((id) => html.indexOf(`<section id="${id}"`));
  t.ok(order.every((at) => at > 0), 'every section is there');
  t.same(order, [...order].sort((a, b) => a - b), 'what changed is first, provenance last');
  const ids = [...new Set(run.targets.flatMap((target) => target.cases.map((entry) => entry.id)))];
  t.match(html, new RegExp(`data-matrix="verdicts" data-rows="${ids.length}" data-columns="${run.targets.length}"`));
  t.equal((html.match(/<tr data-case=/g) ?? []).length, ids.length);
  t.equal((html.match(/<th data-target=/g) ?? []).length, run.targets.length);
  // A case changed when two targets disagree on its verdict: counted here from the results, not from the page.
  const changed = ids.filter((id) => distinct(run.targets.flatMap((target) => target.cases.filter((entry) => entry.id === id).map((entry) => entry.actual))) > 1);
  t.ok(changed.length > 0, 'the series changes verdicts between base and patched');
  const list = /<ul data-findings="verdict-change">([\s\S]*?)<\/ul>/.exec(html)?.[1] ?? '';
  t.equal((list.match(/<li>/g) ?? []).length, changed.length);
  t.match(list, /<code>fast_plain<\/code>: <b>reject<\/b> on base, lock → <b>accept<\/b> on v5, patched, patched-arm64/);
  t.ok(html.indexOf('data-findings="verdict-change"') < html.indexOf('<section id="verdicts"'), 'the changes are listed above the matrix');
  t.match(html, /data-findings="none-failed"/, 'a passed run says nothing failed');
  t.notMatch(html, /data-findings="failure"/);
  t.equal((html.match(/<td class="verdict [a-z]+ changed"/g) ?? []).length, changed.length, 'each changed case has one cell marked against its left neighbour (the series only ever adds accepts)');
  t.equal((html.match(/<details class="provenance"/g) ?? []).length, run.targets.length, 'a provenance record per target');
  t.match(html, /<th>kernel release<\/th><td>7\.3\.4<\/td>/);
  t.match(html, /<h4>environment before<\/h4>/);
  t.match(html, /No benchmark on patched-arm64/);
});

t.test('the x86_64 icount-ns benchmark: a cost and a speedup chart, their marks counted from the cells and ratios', async (t) => {
  const run = abRun();
  const charts = figures(await renderHtmlReport({ runs: [run] }));
  t.same(charts.map((chart) => chart.id), ['cost-1-x86-64-tcg-icount-ns', 'speedup-1-x86-64-tcg-icount-ns']);
  const benched = run.targets.filter((target) => target.bench);
  const cells = benched.flatMap((target) => target.bench!.cells.filter((cell) => cell.variant !== 'empty' && cell.perAccess).map((cell) => ({ target: target.target.name, variant: cell.variant })));
  // A point and a CI rule per cell, a line per target and variant.
  t.equal(charts[0]!.marks, cells.length * 2 + distinct(cells.map((cell) => `${cell.target}/${cell.variant}`)));
  const ratios = benched.flatMap((target) => target.bench!.ratios.filter((ratio) => ratio.denominator === 'fast').map((ratio) => ({ target: target.target.name, pair: ratio.numerator })));
  t.ok(ratios.length > 0);
  // A point and a CI rule per ratio, a line per target and ratio, the "1 = no speedup" rule per target.
  t.equal(charts[1]!.marks, ratios.length * 2 + distinct(ratios.map((ratio) => `${ratio.target}/${ratio.pair}`)) + distinct(ratios.map((ratio) => ratio.target)));
  for (const chart of charts) {
    t.match(chart.svg, /^<svg[^>]*class="marks"/, `${chart.id} is Vega's SVG`);
    t.match(chart.svg, /unit icount-ns \(TCG instruction counting: instructions, not time\) · accelerator tcg/, `${chart.id} names its unit and accelerator`);
    t.same(yTitles(chart.svg).filter((title) => !title.includes('icount-ns')), [], `${chart.id}: every y axis is in icount-ns`);
  }
  t.match(charts[0]!.svg, /icount-ns per access/);
  t.match(charts[1]!.svg, /speedup × \(icount-ns ratio\)/);
});

/** The fixture with its patched target measured in real ns under KVM (a second unit in the same report). */
function withNsTarget(): RunResults {
  const run = abRun();
  const patched = run.targets.find((target) => target.target.name === 'patched')!;
  patched.target = { ...patched.target, accelerator: 'kvm', timeUnit: 'ns' };
  const bench = patched.bench!;
  bench.unit = 'ns';
  bench.cells = bench.cells.map((cell) => ({ ...cell, unit: 'ns' }));
  bench.ratios = bench.ratios.map((ratio) => ({ ...ratio, unit: 'ns' }));
  return run;
}

/** The titles of a chart's y axes, from the labels Vega gives them. */
function yTitles(svg: string): string[] {
  return [...svg.matchAll(/Y-axis titled '([^']+)'/g)].map((match) => match[1]!);
}

t.test('units never share an axis: an ns target gets charts of its own', async (t) => {
  const charts = figures(await renderHtmlReport({ runs: [withNsTarget()] }));
  t.same(charts.map((chart) => chart.id), ['cost-1-x86-64-tcg-icount-ns', 'speedup-1-x86-64-tcg-icount-ns', 'cost-2-x86-64-kvm-ns', 'speedup-2-x86-64-kvm-ns']);
  const ns = charts.filter((chart) => chart.id.endsWith('-ns') && !chart.id.includes('icount'));
  t.equal(ns.length, 2);
  for (const chart of ns) {
    t.ok(yTitles(chart.svg).length > 0);
    t.same(yTitles(chart.svg).filter((title) => !/^(ns per access|speedup × \(ns ratio\))$/.test(title)), [], `${chart.id}: every y axis is in ns`);
    t.match(chart.svg, /unit ns \(real time\) · accelerator kvm/);
  }
  for (const chart of charts.filter((entry) => entry.id.includes('icount'))) {
    t.same(yTitles(chart.svg).filter((title) => !title.includes('icount-ns')), [], `${chart.id}: every y axis is in icount-ns`);
    t.notMatch(chart.svg, />patched</, `${chart.id} no longer has a patched facet`);
  }
});

const selftest = (id: string, status: SelftestResult['status']): SelftestResult => ({ id, file: id.split('/')[0]!, program: 'p', mode: 'priv', runner: 'annotations', expected: 'success', actual: status === 'pass' ? 'loaded' : 'rejected', status, reason: status === 'fail' ? 'R1 invalid mem access' : undefined });

t.test('failures come first: a failing case, a failing selftest, a target error; selftest counts per kernel', async (t) => {
  const run = abRun();
  const [base, lock] = run.targets;
  const entry = base!.cases.find((item) => item.id === 'walk_plain')!;
  Object.assign(entry, { actual: 'reject', status: 'fail', reason: 'expected accept' });
  base!.selftests = { source: 'linux-source-7.3', tests: [selftest('rbtree/a', 'pass'), selftest('rbtree/b', 'fail'), selftest('rbtree/c', 'expected-fail')] };
  lock!.selftests = { source: 'linux-source-7.3', tests: [selftest('rbtree/a', 'pass'), selftest('rbtree/b', 'pass')] };
  lock!.errors.push({ stage: 'bench', message: 'guest stopped answering', code: 'TARGET_HANG' });
  run.run.status = 'failed';
  const html = await renderHtmlReport({ runs: [run] });
  const failures = /<ul data-findings="failure">([\s\S]*?)<\/ul>/.exec(html)?.[1] ?? '';
  t.equal((failures.match(/<li>/g) ?? []).length, 3);
  t.match(failures, /<b>base<\/b>: case <code>walk_plain<\/code> FAIL: expected accept, got reject/);
  t.match(failures, /selftest <code>rbtree\/b<\/code> fail/);
  t.match(failures, /<b>lock<\/b>: bench \[TARGET_HANG\]: guest stopped answering/);
  t.notMatch(html, /none-failed/);
  t.ok(html.indexOf('data-findings="failure"') < html.indexOf('<section id="verdicts"'));
  t.match(html, /<tr data-case="walk_plain" class="row-changed row-failed">/);
  t.match(html, /<tr data-selftests="0:base">[\s\S]*?data-status="pass">1<[\s\S]*?data-status="fail">1<[\s\S]*?data-status="expected-fail">1</);
  t.match(html, /<ul class="failing" data-failing-selftests="1">/);
});

function series(variant: 'fast' | 'stock', values: number[], changes: CellHistory['changes']): CellHistory {
  return {
    cell: { target: 'patched', machine: 'vm', arch: 'x86_64', accelerator: 'tcg', unit: 'icount-ns', size: 4096, variant },
    points: values.map((median, index) => ({ runId: `r${index}`, startedAt: `2026-12-0${index + 1}T02:00:00.000Z`, median, ciLow: median * 0.99, ciHigh: median * 1.01 })),
    changes,
  };
}

t.test('history: a trend chart with change points; a cost that went up is a regression at the top', async (t) => {
  const history = [
    series('fast', [100, 101, 100, 113, 112, 114], [{ index: 3, relativeChange: 0.12, pValue: 0.002, method: 'per-access samples' }]),
    series('stock', [300, 301, 299, 284, 285, 283], [{ index: 3, relativeChange: -0.05, pValue: 0.004 }]),
  ];
  const html = await renderHtmlReport({ runs: [abRun()], history });
  const chart = figures(html).find((entry) => entry.id.startsWith('history-'));
  t.ok(chart, 'a history chart');
  // 12 points with a CI rule each, a line per variant, a dashed rule per change point.
  t.equal(chart!.marks, 12 * 2 + 2 + 2);
  t.match(chart!.svg, /unit icount-ns/);
  t.match(html, /<ul data-findings="regression"><li>patched fast size 4096 \(icount-ns, tcg\): \+12\.0 % from run r3/);
  t.match(html, /<ul data-findings="improvement"><li>patched stock size 4096 \(icount-ns, tcg\): -5\.0 % from run r3/);
  t.notMatch(html, /none-failed/, 'a regression is not "nothing failed"');
  t.notMatch(await renderHtmlReport({ runs: [abRun()] }), /<section id="history"/, 'no history given: no history section');
  t.match(await renderHtmlReport({ runs: [abRun()], history: [] }), /<section id="history"><h2>History<\/h2><p>No stored run holds these cells/);
});

t.test('run data is escaped, and the page fetches nothing', async (t) => {
  const run = abRun();
  run.targets[0]!.target.name = '<b>evil</b>';
  run.targets[0]!.cases[0]!.description = '<img src=x onerror=alert(1)>';
  const html = await renderHtmlReport({ runs: [run], generatedAt: '2026-12-04T15:00:00Z' });
  t.notMatch(html, /<b>evil<\/b>|<img src=x/);
  t.match(html, /&lt;b&gt;evil&lt;\/b&gt;/);
  t.match(html, /&lt;img src=x onerror=alert\(1\)&gt;/);
  t.match(html, /generated 2026-12-04T15:00:00Z/);
  const clean = await renderHtmlReport({ runs: [abRun()] });
  t.notMatch(clean, /<script|<link|<img|<iframe|\ssrc=|\shref=|url\(|@import/i, 'no script, stylesheet, image, frame or URL to load');
  t.match(clean, /Content-Security-Policy" content="default-src 'none'/);
});

t.test('several runs: a column per target of each run, named with its run id', async (t) => {
  const first = abRun();
  const second = abRun();
  second.run.id = 'later';
  const html = await renderHtmlReport({ runs: [first, second] });
  t.match(html, new RegExp(`data-columns="${first.targets.length * 2}"`));
  t.match(html, /<th data-target="1:patched" scope="col"><div>patched @ later<\/div>/);
  await t.rejects(renderHtmlReport({ runs: [] }), /at least one run/);
});
