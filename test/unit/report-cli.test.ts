// kptrlab report's usage contract on a hand-written log: every document format renders it, and each bad input
// (unknown format, flags that disagree, no run, an event out of order, an output path that cannot be written) exits 2 saying the fix.
import { execa } from 'execa';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import type { RunEvent } from '../../harness/results/events.js';
import { CLI } from '../helpers/cli.js';
import { mixedRunEvents } from '../helpers/mixed-run.js';
import { scratchDir } from '../helpers/scratch.js';

const dir = scratchDir('kptrlab-report-cli-');
const runDir = join(dir, 'r1');
mkdirSync(runDir);
const writeLog = (path: string, events: RunEvent[]) => writeFileSync(path, events.map((event) => `${JSON.stringify(event)}\n`).join(''));
writeLog(join(runDir, 'events.ndjson'), mixedRunEvents());
const report = (...args: string[]) => execa(process.execPath, [CLI, 'report', ...args], { reject: false });

t.test('every format renders the log; --format and --reporter are one flag', async (t) => {
  for (const format of ['table', 'tap', 'json', 'markdown', 'junit', 'kcidb']) {
    const result = await report(runDir, '--format', format);
    t.equal(result.exitCode, 0, `${format}: ${result.stderr}`);
    t.ok(result.stdout.length > 100, `${format} printed the run`);
  }
  const viaReporter = await report(runDir, '--reporter', 'junit');
  const viaFormat = await report(runDir, '--format', 'junit', '--reporter', 'junit');
  t.equal(viaReporter.stdout, viaFormat.stdout, 'the same flag under two names');
  t.match((await report(runDir)).stdout, /status: failed \(exit 1\)/, 'table by default');
});

t.test('--output writes the file, and only the file', async (t) => {
  const file = join(dir, 'out.xml');
  const result = await report(runDir, '--format', 'junit', '--output', file);
  t.equal(result.exitCode, 0, result.stderr);
  t.equal(result.stdout, '');
  t.equal(readFileSync(file, 'utf8'), (await report(runDir, '--format', 'junit')).stdout + '\n');
});

t.test('bad usage exits 2 with the fix', async (t) => {
  const cases: Array<[string[], RegExp]> = [
    [[runDir, '--format', 'svg'], /unknown format "svg" \[USAGE\]\n\s+fix: Use one of: table, tap, json, markdown, junit, kcidb, html\./],
    [[runDir, '--format', 'html', '--output', join(dir, 'no-such-folder', 'r.html')], /--output \S+r\.html: the folder \S+no-such-folder does not exist/],
    [[runDir, '--format', 'tap', '--reporter', 'table'], /--format tap and --reporter table disagree \[USAGE\]\n\s+fix: --reporter is the older name of --format/],
    [['--format', 'junit'], /kptrlab report takes a run folder \[USAGE\]\n\s+fix: kptrlab report results\/<run id>\.\.\. \[--format table\|tap\|json\|markdown\|junit\|kcidb\|html\] \[--output FILE\] \[--history\]/],
    [[runDir, runDir, '--format', 'junit'], /--format junit renders one run, got 2 run folders/],
    [[runDir, runDir], /--format table renders one run, got 2 run folders/],
    [[join(dir, 'missing')], /no event log at \S+missing \[USAGE\]\n\s+fix: Pass a run folder/],
    [[runDir, '--format', 'junit', '--output', dir], /--output \S+ is a folder \[USAGE\]\n\s+fix: Give a file name/],
  ];
  for (const [args, message] of cases) {
    const result = await report(...args);
    t.equal(result.exitCode, 2, args.join(' '));
    t.match(result.stderr, message);
  }
});

t.test('a log whose events are out of order is refused naming the file, for document and streaming formats alike', async (t) => {
  const events = mixedRunEvents();
  const log = join(dir, 'out-of-order.ndjson');
  // A benchmark cell before its target's bench-start: no reducer state can take it.
  const cellAt = events.findIndex((event) => event.type === 'bench-cell');
  const startAt = events.findIndex((event) => event.type === 'bench-start');
  [events[startAt], events[cellAt]] = [events[cellAt]!, events[startAt]!];
  writeLog(log, events);
  for (const format of ['kcidb', 'tap']) {
    const result = await report(log, '--format', format);
    t.equal(result.exitCode, 2, format);
    t.match(result.stderr, new RegExp(`${log.replace(/[/.]/g, '\\$&')}: event log: bench-cell for base before bench-start \\[EVENT_LOG_INVALID\\]\\n\\s+fix: Only a run kptrlab wrote`));
  }
});

t.test('--format html writes report.html beside the log (or --output), one page for several runs', async (t) => {
  const result = await report(runDir, '--format', 'html');
  t.equal(result.exitCode, 0, result.stderr);
  t.match(result.stdout, /report\.html: 1 run\(s\), \d+ KiB/);
  t.match(readFileSync(join(runDir, 'report.html'), 'utf8'), /^<!doctype html>/i);
  const both = join(dir, 'both.html');
  const two = await report(runDir, runDir, '--format', 'html', '--output', both);
  t.equal(two.exitCode, 0, two.stderr);
  t.match(two.stdout, /both\.html: 2 run\(s\)/);
});
