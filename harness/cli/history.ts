// `kptrlab history import|runs`: the SQLite history of runs (docs/history.md). One exported function per subcommand.
import { parseArgs } from 'node:util';
import { openHistory, type HistoryDb } from '../history/db.js';
import { ingestRun } from '../history/ingest.js';
import { listRuns, type RunSummary } from '../history/queries.js';
import { describeError, ExitCode, KptrlabError } from '../util/errors.js';
import { historySeriesCommand } from './history-series.js';
import { runSubcommand, type Subcommand } from './subcommands.js';

const USAGE = `usage: kptrlab history <import|runs|series> [options]

  import <run dir>... [--allow-incomplete]  store runs from their event log (events.ndjson); a run already
                                         stored changes nothing; a run without run-end is refused unless
                                         --allow-incomplete (a later import of the finished run replaces it)
  runs   [--limit N] [--config NAME] [--json]
                                         stored runs, newest first (NAME: config file, its name or hash)
  series --target T --size N --variant V [--machine HOST]
                                         one cell over the stored runs (same machine, arch, accelerator, unit,
                                         kernel variant and workload), with its change points (E-divisive)

  every subcommand: --db PATH (default $KPTRLAB_HISTORY, else $XDG_DATA_HOME/kptrlab/history.db,
  else ~/.local/share/kptrlab/history.db)
`;

/** The subcommands by name (more views join this table). */
export const HISTORY_SUBCOMMANDS: Record<string, Subcommand> = { import: historyImportCommand, runs: historyRunsCommand, series: (argv) => historySeriesCommand(argv) };

/** Runs a history subcommand; 0 ok, 2 bad usage or a refused run, 69 the database could not be opened. */
export async function historyCommand(argv: string[]): Promise<number> {
  return runSubcommand('history', USAGE, HISTORY_SUBCOMMANDS, argv);
}

/** Opens the database named by --db (or the default), runs `body`, closes it. */
export async function withHistory<T>(dbPath: string | undefined, body: (db: HistoryDb) => T | Promise<T>): Promise<T> {
  const db = openHistory(dbPath);
  try {
    return await body(db);
  } finally {
    db.close();
  }
}

/** `history import <run dir>...`: one line per run (inserted, replaced, already present, or why not). */
export async function historyImportCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { db: { type: 'string' }, 'allow-incomplete': { type: 'boolean', default: false } },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length === 0) {
    throw new KptrlabError('USAGE', 'kptrlab history import takes one or more run folders', { hint: 'kptrlab history import results/<run id>... [--db PATH]', exitCode: ExitCode.usage });
  }
  return withHistory(values.db, (db) => {
    let exitCode: number = ExitCode.ok;
    for (const dir of positionals) {
      try {
        const result = ingestRun(db, dir, { allowIncomplete: values['allow-incomplete'] });
        const state = result.replaced ? 'replaced the incomplete copy' : result.inserted ? 'inserted' : 'already present';
        process.stdout.write(`${result.runId}  ${state}  (${dir}${result.truncated ? '; the log\'s cut-off last line was left out' : ''})\n`);
      } catch (error) {
        // One bad folder does not stop the others; the exit code keeps the first failure's.
        process.stderr.write(`kptrlab history: ${dir}: ${describeError(error)}\n`);
        if (exitCode === ExitCode.ok) exitCode = error instanceof KptrlabError ? error.exitCode : ExitCode.unavailable;
      }
    }
    process.stderr.write(`history: ${db.path}\n`);
    return exitCode;
  });
}

/** `history runs`: the stored runs, newest first. */
export async function historyRunsCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { db: { type: 'string' }, limit: { type: 'string', default: '20' }, config: { type: 'string' }, json: { type: 'boolean', default: false } },
    strict: true,
  });
  const limit = Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) {
    throw new KptrlabError('USAGE', `--limit takes a positive whole number, got "${values.limit}"`, { hint: 'Use e.g. --limit 50.', exitCode: ExitCode.usage });
  }
  return withHistory(values.db, (db) => {
    const runs = listRuns(db, { limit, ...(values.config === undefined ? {} : { config: values.config }) });
    if (values.json) process.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
    else process.stdout.write(formatRuns(runs, db.path));
    return ExitCode.ok;
  });
}

/** The runs as a plain table. */
export function formatRuns(runs: readonly RunSummary[], dbPath: string): string {
  if (runs.length === 0) return `no runs in ${dbPath} (kptrlab history import results/<run id>)\n`;
  const rows = runs.map((run) => [run.id, run.startedAt.replace('T', ' ').slice(0, 19), `${run.status}${run.exitCode === null ? '' : ` (${run.exitCode})`}`,
    run.configName ?? run.configFile, String(run.targets), String(run.cases), String(run.cells), run.kptrlabCommit.slice(0, 12)]);
  const header = ['run', 'started (UTC)', 'status', 'config', 'targets', 'cases', 'cells', 'commit'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => `${cells.map((cell, column) => (column >= 4 && column <= 6 ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join('  ').trimEnd()}\n`;
  return [line(header), ...rows.map(line)].join('');
}
