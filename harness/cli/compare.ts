// `kptrlab compare <run-a> <run-b>`: b against the baseline a; exit 1 when a verdict regresses or a cell is slower
// beyond the config's threshold with significance.
import { parseArgs } from 'node:util';
import { seededRandom } from '../agent/bench-plan.js';
import { loadRunConfig } from '../config/load.js';
import { DEFAULTS } from '../config/run-config.js';
import { compareRuns, type CompareReport } from '../history/compare.js';
import { loadRun } from '../history/load-run.js';
import { formatTable, sig } from '../report/format.js';
import { ExitCode, KptrlabError } from '../util/errors.js';

const USAGE_HINT = 'kptrlab compare <run-a> <run-b> [--config F] (a: the baseline; folders or run ids)';

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
  const { values, positionals } = parseArgs({ args: argv, options: { config: { type: 'string', short: 'c' } }, allowPositionals: true, strict: true });
  if (positionals.length !== 2) throw new KptrlabError('USAGE', 'kptrlab compare takes two runs', { hint: USAGE_HINT, exitCode: ExitCode.usage });
  const config = values.config ? loadRunConfig(values.config) : undefined;
  const thresholds = config?.compare ?? DEFAULTS.compare;
  const outputDirs = [config?.output.dir ?? DEFAULTS.output.dir];
  const before = loadRun(positionals[0]!, outputDirs);
  const after = loadRun(positionals[1]!, outputDirs);
  // Seeded: the same two runs always get the same bootstrap CIs.
  const report = compareRuns(before.results, after.results, { slowdown: thresholds.slowdownPercent / 100, alpha: thresholds.alpha }, seededRandom(1));
  process.stdout.write(`compare ${before.results.run.id} (baseline) → ${after.results.run.id}\n${formatCompare(report, thresholds.alpha)}\n`);
  return report.regressions.length ? ExitCode.testsFailed : ExitCode.ok;
}
