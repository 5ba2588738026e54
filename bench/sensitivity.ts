// Sensitivity benchmark: what is the smallest slowdown kptrlab detects? Per injected slowdown, `trials` synthetic
// nightly series, each `base` runs of the bench program as it is, then `after` runs with k extra multiply-adds per walk access
// (programs/bench KL_PAD_WALK). Every run is a real `kptrlab bench`, added to a throwaway history database. Per
// tree size and k it reports the slowdown measured, how often `compare` (Mann–Whitney U + threshold) flags each changed run
// against the last unchanged one, how often `history` finds the change point at the first changed run, and the false
// alarm rates among the unchanged runs (consecutive compares, and change points in the unchanged prefix).
// Usage: node dist/bench/sensitivity.js [--config F] [--target NAME] [--ks 1,2,4,8] [--base 6] [--after 2] [--trials 3] [--sizes 4096,65536] [--work DIR: resume]
import { execa } from 'execa';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parse, stringify } from 'yaml';
import { seededRandom } from '../harness/agent/bench-plan.js';
import { DEFAULTS } from '../harness/config/run-config.js';
import { compareRuns } from '../harness/history/compare.js';
import { openHistory } from '../harness/history/db.js';
import { loadRun } from '../harness/history/load-run.js';
import { cellKey, cellSeries, cellsOf } from '../harness/history/queries.js';
import { runChanges } from '../harness/history/run-changes.js';
import { paddedBenchProgram } from '../harness/suites/padded-program.js';
import { projectPath } from '../harness/util/paths.js';

const { values } = parseArgs({ options: { config: { type: 'string', default: 'config/local.yaml' }, target: { type: 'string', default: 'local' }, ks: { type: 'string', default: '1,2,4,8,16' }, base: { type: 'string', default: '6' }, after: { type: 'string', default: '2' }, trials: { type: 'string', default: '3' }, work: { type: 'string' }, sizes: { type: 'string', default: '4096,65536' } } });
const ks = values.ks!.split(',').map(Number);
const baseRuns = Number(values.base);
const afterRuns = Number(values.after);
const trials = Number(values.trials);
const sizes = values.sizes!.split(',').map(Number);
// --work resumes an interrupted run: trials whose runs all finished there are reused, the others are run again.
const work = values.work ?? mkdtempSync(join(tmpdir(), 'kptrlab-sensitivity-'));
const db = join(work, 'history.db');
const thresholds = { slowdown: DEFAULTS.compare.slowdownPercent / 100, alpha: DEFAULTS.compare.alpha };

const source = parse(readFileSync(projectPath(values.config!), 'utf8')) as Record<string, unknown> & { targets?: Array<{ name: string }>; bench?: Record<string, unknown> };
function bench(output: string, program?: string): Promise<string> {
  const config = join(work, 'config.yaml');
  const targets = (source.targets ?? [{ name: 'local', kind: 'local' }]).filter((target) => target.name === values.target);
  writeFileSync(config, stringify({ ...source, name: 'sensitivity', targets, verify: { enabled: false }, bench: { ...source.bench, sizes, variants: ['walk'], ...(program ? { program } : {}) } }));
  const attempt = () => execa(process.execPath, [projectPath('bin', 'kptrlab.js'), 'bench', '--config', config, '--output', output], { env: { KPTRLAB_NO_UI: '1', KPTRLAB_HISTORY: db }, reject: false, timeout: 20 * 60_000 });
  return attempt().then(async (first) => {
    // An infrastructure failure (a VM that did not answer, a timeout) is retried once; a failed measurement is not.
    const result = first.exitCode === 69 || first.timedOut ? await attempt() : first;
    if (result.exitCode !== 0) throw new Error(`bench failed (${result.exitCode}): ${result.stdout.slice(-800)}${result.stderr.slice(-400)}`);
    return finishedRuns(output).at(-1)!;
  });
}

/** The run folders under output whose run ended (passed), oldest first. */
function finishedRuns(output: string): string[] {
  if (!existsSync(output)) return [];
  return readdirSync(output).sort().map((name) => join(output, name)).filter((dir) => {
    try {
      return loadRun(dir).results.run.status === 'passed';
    } catch {
      return false;
    }
  });
}

type Tally = { measured: number[]; flagged: number; changed: number; atChange: number; trials: number; falseCompares: number; compares: number; falsePoints: number };
const tallies = new Map<string, Tally>();
const tally = (size: number, k: number): Tally => {
  const key = `${size}/${k}`;
  if (!tallies.has(key)) tallies.set(key, { measured: [], flagged: 0, changed: 0, atChange: 0, trials: 0, falseCompares: 0, compares: 0, falsePoints: 0 });
  return tallies.get(key)!;
};
const middle = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const started = Date.now();
let firstOutput = '';
for (const k of ks) {
  const program = paddedBenchProgram(work, k);
  for (let trial = 0; trial < trials; trial++) {
    const output = join(work, `k${k}-t${trial}`);
    firstOutput ||= output;
    let dirs = finishedRuns(output);
    if (dirs.length !== baseRuns + afterRuns || readdirSync(output).length !== dirs.length) {
      rmSync(output, { recursive: true, force: true });
      dirs = [];
      for (let i = 0; i < baseRuns; i++) dirs.push(await bench(output));
      for (let i = 0; i < afterRuns; i++) dirs.push(await bench(output, program));
    }
    const runs = dirs.map((dir) => loadRun(dir).results);
    const history = openHistory(db);
    for (const size of sizes) {
      const entry = tally(size, k);
      const perAccess = (list: typeof runs) => middle(list.map((run) => run.targets[0]!.bench!.cells.find((cell) => cell.size === size && cell.variant === 'walk')!.perAccess!.median));
      entry.measured.push(perAccess(runs.slice(baseRuns)) / perAccess(runs.slice(0, baseRuns)) - 1);
      entry.changed += afterRuns;
      entry.flagged += runs.slice(baseRuns).filter((run) => compareRuns(runs[baseRuns - 1]!, run, thresholds, seededRandom(1)).cells.some((cell) => cell.size === size && cell.variant === 'walk' && cell.verdict === 'slower')).length;
      for (let i = 1; i < baseRuns; i++) {
        entry.compares += 1;
        if (compareRuns(runs[i - 1]!, runs[i]!, thresholds, seededRandom(1)).cells.some((cell) => cell.size === size && cell.verdict !== 'same')) entry.falseCompares += 1;
      }
      const cell = cellsOf(history, runs.at(-1)!.run.id).find((found) => found.size === size && found.variant === 'walk')!;
      const series = cellSeries(history, cellKey(cell)).filter((point) => runs.some((run) => run.run.id === point.runId));
      entry.trials += 1;
      if (runChanges(series, seededRandom(1)).some((change) => change.runId === runs[baseRuns]!.run.id)) entry.atChange += 1;
      if (runChanges(series.slice(0, baseRuns), seededRandom(1)).length) entry.falsePoints += 1;
    }
    history.close();
    process.stderr.write(`k=${k} trial ${trial + 1}/${trials} done (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
  }
}
const percent = (part: number, whole: number) => `${part}/${whole} (${whole ? Math.round((100 * part) / whole) : 0} %)`;
const rows = [...tallies.entries()].map(([key, entry]) => {
  const [size, k] = key.split('/');
  return `| ${size} | ${k} | ${(middle(entry.measured) * 100).toFixed(1)} % | ${percent(entry.flagged, entry.changed)} | ${percent(entry.atChange, entry.trials)} | ${percent(entry.falseCompares, entry.compares)} | ${percent(entry.falsePoints, entry.trials)} |`;
});
const unit = loadRun(join(firstOutput, readdirSync(firstOutput)[0]!)).results.targets[0]!.bench!.unit;
process.stdout.write(`machine: ${cpus().length} x ${cpus()[0]?.model}; target ${values.target} (${unit}); per k ${trials} trials of ${baseRuns} unchanged + ${afterRuns} changed runs; compare: +${DEFAULTS.compare.slowdownPercent} % and Wilcoxon signed-rank (round pairs) p < ${DEFAULTS.compare.alpha}; history: E-divisive, p < 0.01\n\n`);
process.stdout.write(`| size | k (multiply-adds per walk access) | measured slowdown (median of trials) | compare detects (changed runs) | history change point at the first changed run (trials) | compare false alarms (unchanged pairs) | history false alarms (unchanged series) |\n|---:|---:|---:|---|---|---|---|\n${rows.join('\n')}\n\n`);
process.stdout.write(`took ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
if (!values.work) rmSync(work, { recursive: true, force: true });
