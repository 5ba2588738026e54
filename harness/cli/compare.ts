// `kptrlab compare <run-a> <run-b>`: b against the baseline a; exit 1 when a verdict regresses or a cell is slower
// beyond the config's threshold with significance.
import { parseArgs } from 'node:util';
import { seededRandom } from '../agent/bench-plan.js';
import { loadRunConfig } from '../config/load.js';
import { DEFAULTS } from '../config/run-config.js';
import { compareRuns, type CompareReport } from '../history/compare.js';
import { openHistory } from '../history/db.js';
import { ingestRun } from '../history/ingest.js';
import { loadRun } from '../history/load-run.js';
import { previousRun } from '../history/queries.js';
import type { RunResults } from '../results/model.js';
import { formatTable, sig } from '../report/format.js';
import { ExitCode, KptrlabError } from '../util/errors.js';

const USAGE_HINT = 'kptrlab compare <run-a> <run-b> [--config F] (a: the baseline; folders or run ids), or kptrlab compare <run> --baseline last-good|previous [--db PATH]';
const BASELINES = ['last-good', 'previous'] as const;

/** The stored run of the same config before `run`: the last that passed (last-good) or the last that finished (previous). */
function baselineFromHistory(run: { results: RunResults; dir: string }, which: string, dbPath: string | undefined): { results: RunResults; dir: string } {
  if (!(BASELINES as readonly string[]).includes(which)) {
    throw new KptrlabError('USAGE', `--baseline ${which}: unknown baseline`, { hint: `Use one of: ${BASELINES.join(', ')}.`, exitCode: ExitCode.usage });
  }
  const db = openHistory(dbPath);
  try {
    // A run not yet in the history (e.g. from another machine) is added first: it needs a place in the order.
    ingestRun(db, run.dir);
    const found = previousRun(db, { configFile: run.results.run.configFile, before: run.results.run.id, passedOnly: which === 'last-good' });
    if (!found) {
      throw new KptrlabError('NO_BASELINE', `no ${which === 'last-good' ? 'passing' : 'finished'} run of ${run.results.run.configFile} before ${run.results.run.id} in ${db.path}`, {
        hint: 'Import older runs with kptrlab history import, or name the baseline run: kptrlab compare <run-a> <run-b>.',
        exitCode: ExitCode.usage,
      });
    }
    return loadRun(found.dir);
  } finally {
    db.close();
  }
}

const percent = (ratio: number) => `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)} %`;

/** The report as text: changed cases, every compared cell, what was not compared, the regressions. */
export function formatCompare(report: CompareReport, alpha: number): string {
  const lines: string[] = [];
  const changed = report.cases.filter((entry) => entry.verdictChanged || entry.regressed || entry.insnsDelta || entry.statesDelta);
  lines.push(`verifier cases: ${report.cases.length} compared, ${changed.length} changed`);
  if (changed.length) {
    const rows = [['target', 'case', 'before', 'after', 'insns Δ', 'states Δ', '']];
    for (const entry of changed) {
      const side = (value: typeof entry.before) => (value ? `${value.actual} (${value.status})` : 'missing');
      const delta = (value: number | undefined) => (value === undefined ? '-' : `${value > 0 ? '+' : ''}${value}`);
      rows.push([entry.target, entry.id, side(entry.before), side(entry.after), delta(entry.insnsDelta), delta(entry.statesDelta), entry.regressed ? 'REGRESSED' : '']);
    }
    lines.push(formatTable(rows, new Set([4, 5])));
  }
  if (report.cells.length) {
    lines.push(`\nbenchmark cells (per-access medians; change = after/before, the median of round-pair ratios with a 95 % bootstrap CI and a Wilcoxon signed-rank test when the runs share the seed, else the ratio of medians and Mann–Whitney U; α = ${alpha}):`);
    const rows = [['target', 'size', 'variant', 'unit', 'before', 'after', 'change [95% CI]', 'p', 'verdict']];
    for (const cell of report.cells) {
      rows.push([cell.target, String(cell.size), cell.variant, cell.unit, sig(cell.before.median), sig(cell.after.median), `${percent(cell.ratio)} [${percent(cell.ciLow)}, ${percent(cell.ciHigh)}]`, cell.p.toPrecision(2), cell.verdict === 'same' ? 'no change' : cell.verdict.toUpperCase()]);
    }
    lines.push(formatTable(rows, new Set([1, 4, 5])));
  }
  for (const refused of report.refused) lines.push(`not compared: ${refused}`);
  lines.push(report.regressions.length ? `\nregressions:\n${report.regressions.map((entry) => `  ${entry}`).join('\n')}` : '\nno regression');
  return lines.join('\n');
}

export async function compareCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: { config: { type: 'string', short: 'c' }, baseline: { type: 'string' }, db: { type: 'string' } }, allowPositionals: true, strict: true });
  if (positionals.length !== (values.baseline ? 1 : 2)) throw new KptrlabError('USAGE', values.baseline ? 'with --baseline, kptrlab compare takes one run' : 'kptrlab compare takes two runs', { hint: USAGE_HINT, exitCode: ExitCode.usage });
  const config = values.config ? loadRunConfig(values.config) : undefined;
  const thresholds = config?.compare ?? DEFAULTS.compare;
  const outputDirs = [config?.output.dir ?? DEFAULTS.output.dir];
  const after = loadRun(positionals.at(-1)!, outputDirs);
  const before = values.baseline ? baselineFromHistory(after, values.baseline, values.db) : loadRun(positionals[0]!, outputDirs);
  // Seeded: the same two runs always get the same bootstrap CIs.
  const report = compareRuns(before.results, after.results, { slowdown: thresholds.slowdownPercent / 100, alpha: thresholds.alpha }, seededRandom(1));
  process.stdout.write(`compare ${before.results.run.id} (baseline) → ${after.results.run.id}\n${formatCompare(report, thresholds.alpha)}\n`);
  return report.regressions.length ? ExitCode.testsFailed : ExitCode.ok;
}
