// The HTML report of real runs on this kernel: two `kptrlab run`s (config/local.yaml) land in a throwaway history,
// writeHtmlReport draws the second with both runs' trend, and headless Chromium checks the page and screenshots it.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { writeHtmlReport } from '../../harness/cli/report-html.js';
import type { RunResults } from '../../harness/results/model.js';
import { bpfSkipReason } from '../helpers/bpf-env.js';
import { runCli } from '../helpers/cli.js';
import { checkHtmlPage, chromiumSkipReason } from '../helpers/html-check.js';
import { figures } from '../helpers/report-fixture.js';
import { scratchDir } from '../helpers/scratch.js';

const skip = bpfSkipReason() ?? chromiumSkipReason();
if (skip) t.comment(`skipping the HTML report of a real run: ${skip}`);

t.test('two real local runs: the report in Chromium, the trend of every cell, a screenshot in the run folder', { skip }, async (t) => {
  const output = scratchDir('kptrlab-report-local-');
  // config/quick.yaml would be faster, but the report is meant for the default run's four sizes and variants.
  for (let i = 0; i < 2; i++) {
    const run = await runCli(['run', '--config', 'config/local.yaml'], { outputDir: output });
    t.equal(run.exitCode, 0, run.stderr.slice(-400));
  }
  const [, latest] = readdirSync(output).sort();
  const runDir = join(output, latest!);
  const written = await writeHtmlReport([runDir], join(runDir, 'report.html'), { history: true });
  const html = readFileSync(written.file, 'utf8');
  const results = JSON.parse(readFileSync(join(runDir, 'results.json'), 'utf8')) as RunResults;
  const target = results.targets[0]!;
  const cells = target.bench!.cells.filter((cell) => cell.variant !== 'empty');
  t.ok(cells.length > 0, 'the local run measured cells');
  t.equal(written.historySeries, cells.length, 'a history series per cell');
  const check = await checkHtmlPage(html, { screenshot: join(runDir, 'report.png') });
  t.comment(`render ${written.renderMs.toFixed(0)} ms (${(written.bytes / 1024).toFixed(0)} KiB), browser check ${check.ms.toFixed(0)} ms`);
  t.same(check.problems, []);
  t.same(check.matrix, { rows: target.cases.length, columns: 1 });
  const ids = figures(html).map((chart) => chart.id);
  t.ok(ids.some((id) => id.startsWith(`cost-1-${target.target.arch.replace('_', '-')}-native-ns`)), `a cost chart in real ns (${ids.join(', ')})`);
  t.ok(ids.some((id) => id.startsWith('history-')), 'a trend chart');
  t.equal(check.charts.length, ids.length);
  for (const chart of check.charts) t.equal(chart.found, chart.expected, `${chart.id}: ${chart.found} marks`);
  // This kernel has none of the series: fast is rejected, so there is no speedup to draw.
  t.equal(ids.some((id) => id.startsWith('speedup-')), target.bench!.ratios.some((ratio) => ratio.denominator === 'fast'));
  t.match(html, /unit ns \(real time\) · accelerator native/);
  t.same(readFileSync(join(runDir, 'report.png')).subarray(0, 4), Buffer.from([0x89, 0x50, 0x4e, 0x47]), 'a PNG next to the run');
});
