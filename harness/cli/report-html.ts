// The HTML report's loading side: runs from their event logs, each benchmark cell's history with its change points
// from the history database, then the pure renderer (harness/report/html) and the file. `--format html` calls this.
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { seededRandom } from '../agent/bench-plan.js';
import { defaultHistoryPath, openHistory } from '../history/db.js';
import { loadRun } from '../history/load-run.js';
import { cellKey, cellKeyId, cellSeries, cellsOf } from '../history/queries.js';
import { runChanges } from '../history/run-changes.js';
import { renderHtmlReport, type CellHistory } from '../report/html/index.js';
import type { RunResults } from '../results/model.js';

export interface HtmlReportOptions {
  /** Add each benchmark cell's series over the stored runs, with its change points. */
  history?: boolean;
  /** The history database (default: KPTRLAB_HISTORY, else the user's). */
  db?: string;
  /** Shown in the page header; default now. */
  generatedAt?: string;
}

export interface HtmlReportWritten {
  file: string;
  bytes: number;
  runs: number;
  /** Cell series drawn in the history section (undefined: history not asked for). */
  historySeries?: number;
  /** Milliseconds spent rendering (charts included). */
  renderMs: number;
}

/** Every non-empty cell of the runs that the history database holds, each once, with its series and change points. */
export function historyOf(runs: readonly RunResults[], dbPath: string = defaultHistoryPath()): CellHistory[] {
  // Opening creates a database: a report must not leave one behind where there was none.
  if (!existsSync(dbPath)) return [];
  const db = openHistory(dbPath);
  try {
    const seen = new Set<string>();
    const series: CellHistory[] = [];
    for (const run of runs) {
      for (const cell of cellsOf(db, run.run.id).filter((entry) => entry.variant !== 'empty')) {
        const key = cellKey(cell);
        if (seen.has(cellKeyId(key))) continue;
        seen.add(cellKeyId(key));
        const points = cellSeries(db, key);
        // The same seed as `history series` and `nightly`, so the page marks the change points they print.
        const changes = runChanges(points, seededRandom(1));
        series.push({
          cell: { target: key.target, machine: key.machineHostname, arch: key.arch, accelerator: key.accelerator, unit: key.unit, size: key.size, variant: key.variant },
          points: points.map((point) => ({ runId: point.runId, startedAt: point.startedAt, median: point.median, ciLow: point.ciLow, ciHigh: point.ciHigh })),
          changes: changes.map((change) => ({ index: change.runIndex, relativeChange: change.relativeChange, pValue: change.pValue, method: change.method })),
        });
      }
    }
    return series;
  } finally {
    db.close();
  }
}

/** Loads the runs (folders or ids under results/), renders one self-contained HTML page and writes it (temp + rename). */
export async function writeHtmlReport(runDirs: string[], outFile: string, options: HtmlReportOptions = {}): Promise<HtmlReportWritten> {
  const runs = runDirs.map((dir) => loadRun(dir).results);
  const history = options.history ? historyOf(runs, options.db) : undefined;
  const started = performance.now();
  const html = await renderHtmlReport({ runs, history, generatedAt: options.generatedAt ?? new Date().toISOString() });
  const renderMs = performance.now() - started;
  const file = resolve(outFile);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, html);
  renameSync(`${file}.tmp`, file);
  return { file, bytes: Buffer.byteLength(html), runs: runs.length, historySeries: history?.length, renderMs };
}
