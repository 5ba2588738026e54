// `kptrlab history series`: one benchmark cell over the stored runs (like for like only), with its change points.
import { parseArgs } from 'node:util';
import { seededRandom } from '../agent/bench-plan.js';
import type { HistoryDb } from '../history/db.js';
import { cellKey, cellSeries, cellsOf, listRuns, type CellKey, type SeriesPoint } from '../history/queries.js';
import { runChanges, type RunChange } from '../history/run-changes.js';
import { formatTable, sig } from '../report/format.js';
import { ExitCode, KptrlabError } from '../util/errors.js';
import { withHistory } from './history.js';

/** The key of the newest stored cell matching the filters (target, size, variant, and machine host name when given). */
export function findCellKey(db: HistoryDb, filter: { target: string; size: number; variant: string; machine?: string }): CellKey | undefined {
  for (const run of listRuns(db, { limit: 200 })) {
    const cell = cellsOf(db, run.id).find((entry) => entry.target === filter.target && entry.size === filter.size && entry.variant === filter.variant && (!filter.machine || entry.machineHostname === filter.machine));
    if (cell) return cellKey(cell);
  }
  return undefined;
}

export function formatSeries(key: CellKey, points: readonly SeriesPoint[], changes: readonly RunChange[]): string {
  const rows = [['run', 'started', 'median [95% CI]', 'n', 'kernel', 'object', 'kptrlab', '']];
  for (const point of points) {
    const change = changes.find((entry) => entry.runId === point.runId);
    const mark = change ? `← change ${change.relativeChange >= 0 ? '+' : ''}${(change.relativeChange * 100).toFixed(1)} % (p ${change.pValue.toPrecision(2)}, ${change.method})` : '';
    rows.push([point.runId, point.startedAt.slice(0, 16), `${sig(point.median)} [${sig(point.ciLow)}, ${sig(point.ciHigh)}]`, String(point.n), point.kernelCacheKey ?? point.kernelRelease, (point.objectHash ?? '-').slice(0, 12), point.kptrlabCommit.slice(0, 12), mark]);
  }
  const head = `${key.target} ${key.variant} size ${key.size}, ${key.unit} per access, on ${key.machineHostname ?? '?'} (${key.machineCpu ?? '?'}, ${key.arch}, ${key.accelerator}), lookups ${key.lookups} × repeat ${key.repeat}`;
  return `${head}\n${formatTable(rows, new Set([3]))}\n${changes.length ? `${changes.length} change point(s)` : 'no change point'} (E-divisive means, permutation test p < 0.01, |change| ≥ 1 %)`;
}

export async function historySeriesCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { db: { type: 'string' }, target: { type: 'string' }, size: { type: 'string' }, variant: { type: 'string' }, machine: { type: 'string' } }, strict: true });
  if (!values.target || !values.size || !values.variant) {
    throw new KptrlabError('USAGE', 'history series needs --target, --size and --variant', { hint: 'e.g. kptrlab history series --target patched --size 4096 --variant fast [--machine HOST]', exitCode: ExitCode.usage });
  }
  const filter = { target: values.target, size: Number(values.size), variant: values.variant, machine: values.machine };
  return withHistory(values.db, (db) => {
    const key = findCellKey(db, filter);
    if (!key) throw new KptrlabError('HISTORY_NO_CELL', `no stored run has ${filter.target} ${filter.variant} size ${filter.size}${filter.machine ? ` on ${filter.machine}` : ''}`, { hint: 'kptrlab history runs lists what is stored.', exitCode: ExitCode.usage });
    const points = cellSeries(db, key);
    process.stdout.write(`${formatSeries(key, points, runChanges(points, seededRandom(1)))}\n`);
    return ExitCode.ok;
  });
}
