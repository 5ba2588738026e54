// `kptrlab nightly --config F`: run, add to the history, compare with the previous nightly of that config and look
// for change points; print and save the new regressions and improvements. Exit 1 only on a new regression.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { seededRandom } from '../agent/bench-plan.js';
import { loadRunConfig } from '../config/load.js';
import { compareRuns, type CompareReport } from '../history/compare.js';
import { openHistory } from '../history/db.js';
import { loadRun } from '../history/load-run.js';
import { cellKey, cellSeries, cellsOf, previousRun } from '../history/queries.js';
import { runChanges, type RunChange } from '../history/run-changes.js';
import { isReporterName, REPORTERS, stdoutContext } from '../report/registry.js';
import { executeRun } from '../runner/run.js';
import { parseShard, shardConfig } from '../runner/shard.js';
import { ExitCode, KptrlabError, type ExitCodeValue } from '../util/errors.js';
import { formatCompare } from './compare.js';
import { checkMergedConfig, checkShardFlags, mergeRunFolders } from './merge.js';

export interface NightlyReport {
  run: string;
  baseline: string | null;
  regressions: string[];
  improvements: string[];
  changePoints: Array<RunChange & { cell: string }>;
  compare: CompareReport | null;
}

const USAGE = 'kptrlab nightly --config F [--shard i/n | --merge <shard run dir or LAVA job dir>...] [--db FILE] [--output DIR] [--reporter table|tap]';

export async function nightlyCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: { config: { type: 'string', short: 'c' }, reporter: { type: 'string', short: 'r', default: 'table' }, db: { type: 'string' }, output: { type: 'string', short: 'o' }, shard: { type: 'string' }, merge: { type: 'boolean' } }, allowPositionals: true, strict: true });
  if (!values.config) throw new KptrlabError('USAGE', 'kptrlab nightly needs --config', { hint: 'kptrlab nightly --config config/ab.yaml (what a cron job or a CI schedule calls)', exitCode: ExitCode.usage });
  const reporter = values.reporter ?? 'table';
  if (!isReporterName(reporter)) throw new KptrlabError('USAGE', `unknown reporter "${reporter}"`, { hint: 'Use table or tap.', exitCode: ExitCode.usage });
  checkShardFlags('nightly', values.shard, values.merge ?? false, positionals, USAGE);
  // The run adds itself to the history at its end; --db points that at another database.
  if (values.db) process.env.KPTRLAB_HISTORY = values.db;
  const config = loadRunConfig(values.config);
  const output = REPORTERS[reporter](stdoutContext());
  if (values.shard) {
    // A shard is a part: the comparison needs the whole run, which the merge job makes.
    const shard = parseShard(values.shard);
    const runExit = await executeRun(shardConfig(config, shard), (bus) => bus.subscribe((event, state) => output.onEvent(event, state)), { outputDir: values.output });
    process.stdout.write(`\nnightly shard ${shard.index}/${shard.count} done; compared once merged: kptrlab nightly --config ${values.config} --merge <the ${shard.count} shard run folders>\n`);
    return runExit;
  }
  let runDir = '';
  let runExit: ExitCodeValue;
  if (values.merge) {
    const merged = await mergeRunFolders(positionals, { outputDir: values.output ?? config.output.dir, reporter });
    checkMergedConfig(merged, config.file, `kptrlab nightly --config ${config.file} --shard i/n`);
    ({ runDir, exitCode: runExit } = merged);
  } else {
    runExit = await executeRun(config, (bus) => bus.subscribe((event, state) => output.onEvent(event, state)), { outputDir: values.output, onRunDir: (dir) => (runDir = dir) });
  }
  if (runExit !== ExitCode.ok && runExit !== ExitCode.testsFailed) return runExit;
  const run = loadRun(runDir);
  const db = openHistory();
  try {
    const runId = run.results.run.id;
    const baseline = previousRun(db, { configFile: config.file, before: runId });
    const thresholds = { slowdown: config.compare.slowdownPercent / 100, alpha: config.compare.alpha };
    const compare = baseline ? compareRuns(loadRun(baseline.dir).results, run.results, thresholds, seededRandom(1)) : null;
    const changePoints: NightlyReport['changePoints'] = [];
    for (const cell of cellsOf(db, runId).filter((entry) => entry.variant !== 'empty')) {
      for (const change of runChanges(cellSeries(db, cellKey(cell)), seededRandom(1))) {
        if (change.runId === runId) changePoints.push({ ...change, cell: `${cell.target} ${cell.variant} size ${cell.size}` });
      }
    }
    // Without a previous nightly, what failed in this run is what is new; a slowdown that starts here is new too.
    const regressions = compare ? [...compare.regressions] : runExit === ExitCode.testsFailed ? [`first nightly of ${config.file} failed: see ${join(runDir, 'results.json')}`] : [];
    for (const change of changePoints.filter((entry) => entry.relativeChange * 100 >= config.compare.slowdownPercent)) {
      regressions.push(`${change.cell}: a change point starts at this run, +${(change.relativeChange * 100).toFixed(1)} % (E-divisive, p ${change.pValue.toPrecision(2)})`);
    }
    const improvements = (compare?.cells ?? []).filter((cell) => cell.verdict === 'faster').map((cell) => `${cell.target} bench ${cell.variant} size ${cell.size}: ${((1 - cell.ratio) * 100).toFixed(1)} % faster (p ${cell.p.toPrecision(2)})`);
    const report: NightlyReport = { run: runId, baseline: baseline?.id ?? null, regressions, improvements, changePoints, compare };
    const text = formatNightly(report, config.compare.alpha);
    writeFileSync(join(runDir, 'nightly.json'), `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(join(runDir, 'nightly.txt'), `${text}\n`);
    process.stdout.write(`\n${text}\n(saved: ${join(runDir, 'nightly.txt')}, nightly.json)\n`);
    return regressions.length ? ExitCode.testsFailed : ExitCode.ok;
  } finally {
    db.close();
  }
}

export function formatNightly(report: NightlyReport, alpha: number): string {
  const lines = [`nightly ${report.run}: ${report.baseline ? `compared with the previous nightly ${report.baseline}` : 'the first nightly of this config (nothing to compare with)'}`];
  if (report.compare) lines.push(formatCompare(report.compare, alpha));
  lines.push(report.improvements.length ? `improvements:\n${report.improvements.map((entry) => `  ${entry}`).join('\n')}` : 'no improvement');
  lines.push(report.changePoints.length
    ? `change points starting at this run:\n${report.changePoints.map((change) => `  ${change.cell}: ${change.relativeChange >= 0 ? '+' : ''}${(change.relativeChange * 100).toFixed(1)} % (p ${change.pValue.toPrecision(2)}, ${change.method})`).join('\n')}`
    : 'no change point starts at this run');
  lines.push(report.regressions.length ? `NEW REGRESSIONS:\n${report.regressions.map((entry) => `  ${entry}`).join('\n')}` : 'no new regression');
  return lines.join('\n');
}
