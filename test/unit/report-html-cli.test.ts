// writeHtmlReport: runs loaded from their event logs, their cells' history from a history database, one file written.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { historyOf, writeHtmlReport } from '../../harness/cli/report-html.js';
import { openHistory } from '../../harness/history/db.js';
import { ingestRun } from '../../harness/history/ingest.js';
import { AB_RUN_LOG, abRun, figures } from '../helpers/report-fixture.js';
import { scratchDir } from '../helpers/scratch.js';

/** The fixture's log as a run folder, renamed to `id` and started `startedAt` (a later run of the same config). */
function runFolder(root: string, id: string, startedAt: string): string {
  const lines = readFileSync(AB_RUN_LOG, 'utf8').trimEnd().split('\n');
  const start = JSON.parse(lines[0]!) as { run: { id: string; startedAt: string } };
  start.run.id = id;
  start.run.startedAt = startedAt;
  const dir = join(root, id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'events.ndjson'), `${[JSON.stringify(start), ...lines.slice(1)].join('\n')}\n`);
  return dir;
}

t.test('two stored runs: the page holds both runs and each cell\'s two-point series', async (t) => {
  const root = scratchDir('kptrlab-report-html-');
  const first = runFolder(root, 'ab-1', '2026-12-03T02:00:00.000Z');
  const second = runFolder(root, 'ab-2', '2026-12-04T02:00:00.000Z');
  const db = join(root, 'history.db');
  const history = openHistory(db);
  try {
    ingestRun(history, first);
    ingestRun(history, second);
  } finally {
    history.close();
  }
  const out = join(root, 'out', 'report.html');
  const written = await writeHtmlReport([second], out, { history: true, db, generatedAt: 'frozen' });
  const html = readFileSync(out, 'utf8');
  t.equal(written.bytes, Buffer.byteLength(html));
  t.equal(written.runs, 1);
  const cells = abRun().targets.flatMap((target) => target.bench?.cells.filter((cell) => cell.variant !== 'empty') ?? []);
  t.equal(written.historySeries, cells.length, 'a series per non-empty cell');
  const series = historyOf([abRun()].map((run) => ({ ...run, run: { ...run.run, id: 'ab-2' } })), db);
  t.ok(series.every((entry) => entry.points.map((point) => point.runId).join() === 'ab-1,ab-2'), 'each series holds both runs, oldest first');
  t.ok(series.every((entry) => entry.changes.length === 0), 'the same samples twice: no change point');
  const trend = figures(html).filter((chart) => chart.id.startsWith('history-'));
  t.equal(trend.length, 4, 'a trend chart per benchmarked target');
  // Each cell: two points with a CI rule each, and one line.
  t.equal(trend.reduce((sum, chart) => sum + chart.marks, 0), cells.length * 5);
  t.match(html, new RegExp(`${cells.length} cell series over 2 stored runs, 0 change points`));
  t.notOk(existsSync(`${out}.tmp`), 'written through a temp file, renamed');
});

t.test('no history database: no trend, and none created; an unknown run folder is a usage error', async (t) => {
  const root = scratchDir('kptrlab-report-html-');
  const dir = runFolder(root, 'ab-1', '2026-12-03T02:00:00.000Z');
  const db = join(root, 'absent', 'history.db');
  const written = await writeHtmlReport([dir], join(root, 'report.html'), { history: true, db });
  t.equal(written.historySeries, 0);
  t.notOk(existsSync(db), 'the report did not create a database');
  t.match(readFileSync(join(root, 'report.html'), 'utf8'), /No stored run holds these cells/);
  const plain = await writeHtmlReport([dir], join(root, 'plain.html'));
  t.equal(plain.historySeries, undefined);
  t.notMatch(readFileSync(join(root, 'plain.html'), 'utf8'), /<section id="history"/);
  await t.rejects(writeHtmlReport([join(root, 'nothing-here')], join(root, 'x.html')), { code: 'RUN_NOT_FOUND' });
});
