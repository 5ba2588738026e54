// The HTML report of the real A/B run opened in Debian's headless Chromium (playwright-core), network cut off:
// nothing fetched, no console or page error, every chart drew exactly its marks; and the checker catching broken pages.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { renderHtmlReport } from '../../harness/report/html/index.js';
import { projectPath } from '../../harness/util/paths.js';
import { checkHtmlPage, chromiumSkipReason } from '../helpers/html-check.js';
import { abRun, figures } from '../helpers/report-fixture.js';
import { scratchDir } from '../helpers/scratch.js';

const skip = chromiumSkipReason();
if (skip) t.comment(`skipping browser checks: ${skip}`);
// KPTRLAB_DOCS_SCREENSHOT=1 refreshes the screenshots docs/report-html.md shows, from this same page.
const docs = process.env.KPTRLAB_DOCS_SCREENSHOT === '1';

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

t.test('the A/B run\'s page in Chromium: no request, no error, every chart complete, the matrix case × target', { skip }, async (t) => {
  const run = abRun();
  const started = performance.now();
  const html = await renderHtmlReport({ runs: [run], generatedAt: '2026-12-04T14:30:00Z' });
  const renderMs = performance.now() - started;
  const dir = scratchDir('kptrlab-report-browser-');
  const screenshot = join(dir, 'report.png');
  const top = docs ? projectPath('docs', 'img', 'report-html-top.png') : undefined;
  const sections = docs ? [{ selector: '#bench', path: projectPath('docs', 'img', 'report-html-bench.png') }] : [];
  const check = await checkHtmlPage(html, { screenshot, top, sections });
  t.comment(`render ${renderMs.toFixed(0)} ms, browser check ${check.ms.toFixed(0)} ms (launch, load, count, full-page screenshot)`);
  t.same(check.problems, [], 'the checker finds nothing wrong');
  t.same(check.requests, []);
  t.same([...check.consoleErrors, ...check.pageErrors], []);
  const declared = figures(html);
  t.equal(check.charts.length, declared.length, 'every chart in the HTML is in the page');
  t.equal(check.charts.length, 2, 'the x86_64 icount-ns cost and speedup charts');
  for (const chart of check.charts) {
    t.equal(chart.found, chart.expected, `${chart.id}: ${chart.found} marks drawn`);
    t.ok(chart.width > 300 && chart.height > 150, `${chart.id} has a real size (${Math.round(chart.width)}×${Math.round(chart.height)})`);
  }
  const cases = new Set(run.targets.flatMap((target) => target.cases.map((entry) => entry.id)));
  t.same(check.matrix, { rows: cases.size, columns: run.targets.length }, 'one row per case, one column per target');
  t.same(readFileSync(screenshot).subarray(0, 8), PNG, 'a PNG screenshot');
});

/** A page broken in every way the checker looks for, next to one sound chart from the real report. */
async function brokenPage(): Promise<string> {
  const real = await renderHtmlReport({ runs: [abRun()] });
  const [sound, miscounted] = [...real.matchAll(/<figure class="chart"[\s\S]*?<\/figure>/g)].map((match) => match[0]);
  return `<!DOCTYPE html><html><head><title>broken</title></head><body>
${sound}
${miscounted!.replace(/data-marks="(\d+)"/, (_, marks: string) => `data-marks="${Number(marks) + 1}"`)}
<figure class="chart" data-chart="no-marks" data-marks="4"><svg width="200" height="100"><g class="mark-symbol role-mark"></g></svg></figure>
<figure class="chart" data-chart="no-svg" data-marks="3"></figure>
<img src="https://fonts.example.invalid/logo.png" alt="">
<script>console.error('chart spec failed'); throw new Error('vega is not defined');</script>
</body></html>`;
}

t.test('the checker reports each way a page can be broken', { skip }, async (t) => {
  const check = await checkHtmlPage(await brokenPage());
  t.same(check.requests, ['https://fonts.example.invalid/logo.png'], 'the request is recorded (and never served)');
  t.match(check.problems, [
    /^network request: https:\/\/fonts\.example\.invalid\/logo\.png$/,
    /^console error: chart spec failed$/,
    // Chromium's own line for the aborted request.
    /^console error: Failed to load resource/,
    /^page error: vega is not defined$/,
    /^chart speedup-1-x86-64-tcg-icount-ns: \d+ marks drawn, \d+ expected$/,
    /^chart no-marks: 0 marks drawn, 4 expected$/,
    /^chart no-svg: no SVG drawn/,
  ]);
  t.equal(check.problems.length, 7, 'the sound chart is not reported');
  const miscounted = check.charts.find((chart) => chart.id.startsWith('speedup-'))!;
  t.equal(miscounted.expected, miscounted.found + 1);
});
