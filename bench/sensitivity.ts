// Sensitivity benchmark: what is the smallest slowdown kptrlab detects? A synthetic nightly series per injected
// slowdown: `base` runs of the bench program as it is, then `after` runs with k extra multiply-adds per walk access
// (programs/bench KL_PAD_WALK). Every run is a real `kptrlab bench`, added to a throwaway history database. Per
// tree size it reports the slowdown measured, whether `compare` (Mann–Whitney U + threshold) flags each changed run
// against the last unchanged one, whether `history` finds the change point at the first changed run, and the false
// alarms among the unchanged runs (consecutive compares, and change points in the unchanged prefix).
// Usage: node dist/bench/sensitivity.js [--config F] [--target NAME] [--ks 1,2,4,8] [--base 6] [--after 2] [--sizes 4096,65536]
import { execa } from 'execa';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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

const { values } = parseArgs({ options: { config: { type: 'string', default: 'config/local.yaml' }, target: { type: 'string', default: 'local' }, ks: { type: 'string', default: '1,2,4,8,16' }, base: { type: 'string', default: '6' }, after: { type: 'string', default: '2' }, sizes: { type: 'string', default: '4096,65536' } } });
const ks = values.ks!.split(',').map(Number);
const baseRuns = Number(values.base);
const afterRuns = Number(values.after);
const sizes = values.sizes!.split(',').map(Number);
const work = mkdtempSync(join(tmpdir(), 'kptrlab-sensitivity-'));
const db = join(work, 'history.db');
const thresholds = { slowdown: DEFAULTS.compare.slowdownPercent / 100, alpha: DEFAULTS.compare.alpha };

const source = parse(readFileSync(projectPath(values.config!), 'utf8')) as Record<string, unknown> & { targets?: Array<{ name: string }>; bench?: Record<string, unknown> };
function bench(output: string, program?: string): Promise<string> {
  const config = join(work, 'config.yaml');
  const targets = (source.targets ?? [{ name: 'local', kind: 'local' }]).filter((target) => target.name === values.target);
  writeFileSync(config, stringify({ ...source, name: 'sensitivity', targets, verify: { enabled: false }, bench: { ...source.bench, sizes, variants: ['walk'], ...(program ? { program } : {}) } }));
  return execa(process.execPath, [projectPath('bin', 'kptrlab.js'), 'bench', '--config', config, '--output', output], { env: { KPTRLAB_NO_UI: '1', KPTRLAB_HISTORY: db }, reject: false }).then((result) => {
    if (result.exitCode !== 0) throw new Error(`bench failed (${result.exitCode}): ${result.stdout.slice(-800)}${result.stderr.slice(-400)}`);
    return join(output, readdirSync(output).sort().at(-1)!);
  });
}

const rows: string[] = [];
let falseCompares = 0;
let totalCompares = 0;
let falsePoints = 0;
let totalPrefixes = 0;
const started = Date.now();
for (const k of ks) {
  const output = join(work, `k${k}`);
  const dirs: string[] = [];
  for (let i = 0; i < baseRuns; i++) dirs.push(await bench(output));
  const program = paddedBenchProgram(work, k);
  for (let i = 0; i < afterRuns; i++) dirs.push(await bench(output, program));
  const runs = dirs.map((dir) => loadRun(dir).results);
  const history = openHistory(db);
  for (const size of sizes) {
    const median = (list: typeof runs) => list.map((run) => run.targets[0]!.bench!.cells.find((cell) => cell.size === size && cell.variant === 'walk')!.perAccess!.median).sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
    const measured = median(runs.slice(baseRuns)) / median(runs.slice(0, baseRuns)) - 1;
    const flagged = runs.slice(baseRuns).filter((run) => compareRuns(runs[baseRuns - 1]!, run, thresholds, seededRandom(1)).cells.some((cell) => cell.size === size && cell.variant === 'walk' && cell.verdict === 'slower')).length;
    for (let i = 1; i < baseRuns; i++) {
      totalCompares += 1;
      if (compareRuns(runs[i - 1]!, runs[i]!, thresholds, seededRandom(1)).cells.some((cell) => cell.size === size && cell.verdict !== 'same')) falseCompares += 1;
    }
    const cell = cellsOf(history, runs.at(-1)!.run.id).find((entry) => entry.size === size && entry.variant === 'walk')!;
    const series = cellSeries(history, cellKey(cell)).filter((point) => runs.some((run) => run.run.id === point.runId));
    const changes = runChanges(series, seededRandom(1));
    const atChange = changes.some((change) => change.runId === runs[baseRuns]!.run.id);
    totalPrefixes += 1;
    if (runChanges(series.slice(0, baseRuns), seededRandom(1)).length) falsePoints += 1;
    rows.push(`| ${size} | ${k} | ${(measured * 100).toFixed(1)} % | ${flagged}/${afterRuns} | ${atChange ? 'yes' : changes.length ? `elsewhere (${changes.map((change) => change.runIndex).join(',')})` : 'no'} |`);
  }
  history.close();
}
const unit = loadRun(join(work, `k${ks[0]}`, readdirSync(join(work, `k${ks[0]}`))[0]!)).results.targets[0]!.bench!.unit;
process.stdout.write(`machine: ${cpus().length} x ${cpus()[0]?.model}; target ${values.target} (${unit}); ${baseRuns} unchanged + ${afterRuns} changed runs per k; compare: +${DEFAULTS.compare.slowdownPercent} % and Wilcoxon signed-rank (round pairs) p < ${DEFAULTS.compare.alpha}; history: E-divisive, p < 0.01\n\n`);
process.stdout.write(`| size | k (multiply-adds per walk access) | measured slowdown | compare flags changed runs | history change point at the first changed run |\n|---:|---:|---:|---|---|\n${rows.join('\n')}\n\n`);
process.stdout.write(`false alarms among unchanged runs: compare ${falseCompares}/${totalCompares} consecutive pairs flagged a cell; history ${falsePoints}/${totalPrefixes} unchanged series had a change point\n`);
process.stdout.write(`took ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
rmSync(work, { recursive: true, force: true });
