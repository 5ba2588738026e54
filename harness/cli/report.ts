// `kptrlab report <run-dir>... --format F [--output FILE]`: re-renders saved runs from their event logs alone —
// the streaming reporters (table, tap) replayed event by event, the document formats from the reduced results.
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { EVENT_LOG_NAME, EventLogError, readEventLog } from '../results/event-log.js';
import type { RunEvent } from '../results/events.js';
import { reduceEvents } from '../results/reduce.js';
import { DOCUMENT_FORMATS, isDocumentFormat } from '../report/documents.js';
import { isReporterName, REPORTERS } from '../report/registry.js';
import { EventBus } from '../runner/events.js';
import { writeHtmlReport } from './report-html.js';
import { ExitCode, KptrlabError } from '../util/errors.js';

export const REPORT_FORMATS = [...Object.keys(REPORTERS), ...Object.keys(DOCUMENT_FORMATS), 'html'];
const USAGE_HINT = `kptrlab report results/<run id>... [--format ${REPORT_FORMATS.join('|')}] [--output FILE] [--history]`;

function usageError(message: string, hint = USAGE_HINT): KptrlabError {
  return new KptrlabError('USAGE', message, { hint, exitCode: ExitCode.usage });
}

/** The run's event log: a run folder, or the log file itself. */
function logPathOf(target: string): string {
  const path = existsSync(target) && statSync(target).isDirectory() ? join(target, EVENT_LOG_NAME) : target;
  if (!existsSync(path)) {
    throw new KptrlabError('USAGE', `no event log at ${path}`, { hint: `Pass a run folder (results/<run id>, holding ${EVENT_LOG_NAME}) or the log file.`, exitCode: ExitCode.usage });
  }
  return path;
}

const INVALID_LOG_HINT = 'Only a run kptrlab wrote can be re-rendered; a log cut off by a crash loses only its last line.';

/** A run's events, read and checked; a cut-off last line is reported on stderr and left out. */
function readRunEvents(target: string): { path: string; events: RunEvent[] } {
  const path = logPathOf(target);
  let log;
  try {
    log = readEventLog(path);
  } catch (error) {
    if (error instanceof EventLogError) throw new KptrlabError('EVENT_LOG_INVALID', error.message, { hint: INVALID_LOG_HINT, exitCode: ExitCode.usage, cause: error });
    throw error;
  }
  if (log.truncated) process.stderr.write(`kptrlab: ${path}: the last line was cut off (the run was killed mid-write); it is left out\n`);
  return { path, events: log.events };
}

/** Runs `fold` over a log's events; the reducer's complaint (an event out of order) becomes an invalid log named with its file. */
function asLogError<T>(path: string, fold: () => T): T {
  try {
    return fold();
  } catch (error) {
    throw new KptrlabError('EVENT_LOG_INVALID', `${path}: ${(error as Error).message}`, { hint: INVALID_LOG_HINT, exitCode: ExitCode.usage, cause: error });
  }
}

/** --format, or its older name --reporter; both given must agree. */
function formatOf(values: { format?: string; reporter?: string }): string {
  if (values.format && values.reporter && values.format !== values.reporter) {
    throw usageError(`--format ${values.format} and --reporter ${values.reporter} disagree`, '--reporter is the older name of --format: give one of them.');
  }
  const format = values.format ?? values.reporter ?? 'table';
  if (!isReporterName(format) && !isDocumentFormat(format) && format !== 'html') throw usageError(`unknown format "${format}"`, `Use one of: ${REPORT_FORMATS.join(', ')}.`);
  return format;
}

export async function reportCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { format: { type: 'string', short: 'f' }, reporter: { type: 'string', short: 'r' }, output: { type: 'string', short: 'o' }, history: { type: 'boolean' } },
    allowPositionals: true,
    strict: true,
  });
  const format = formatOf(values);
  if (positionals.length === 0) throw usageError('kptrlab report takes a run folder');
  if (format === 'html') return htmlReport(positionals, values.output, values.history ?? false);
  const many = isDocumentFormat(format) && DOCUMENT_FORMATS[format].manyRuns;
  if (positionals.length > 1 && !many) {
    throw usageError(`--format ${format} renders one run, got ${positionals.length} run folders`, `Render each run on its own; only --format kcidb merges several runs into one document.`);
  }
  const output = values.output;
  if (output !== undefined) checkOutputPath(output);
  const runs = positionals.map(readRunEvents);
  let text = '';
  // Stdout streams as the reporter writes; a file gets the whole text at the end.
  const write = output === undefined ? (chunk: string) => void process.stdout.write(chunk) : (chunk: string) => void (text += chunk);
  if (isReporterName(format)) {
    // Replayed through the same reducer and reporter as the live run: the output is the run's own.
    const reporter = REPORTERS[format]({ write, live: false });
    const bus = new EventBus();
    bus.subscribe((event, state) => reporter.onEvent(event, state));
    asLogError(runs[0]!.path, () => runs[0]!.events.forEach((event) => bus.emit(event)));
  } else {
    write(DOCUMENT_FORMATS[format as keyof typeof DOCUMENT_FORMATS].render(runs.map((run) => asLogError(run.path, () => reduceEvents(run.events)))));
  }
  if (output !== undefined) writeOutput(output, text);
  return ExitCode.ok;
}

function checkOutputPath(path: string): void {
  if (existsSync(path) && statSync(path).isDirectory()) throw usageError(`--output ${path} is a folder`, 'Give a file name, e.g. --output results/<run id>/summary.md.');
  const parent = dirname(path);
  if (!existsSync(parent)) throw usageError(`--output ${path}: the folder ${parent} does not exist`, `Create ${parent} first, or write the file somewhere that exists.`);
}

function writeOutput(path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (error) {
    throw new KptrlabError('OUTPUT_UNWRITABLE', `cannot write ${path}: ${(error as Error).message}`, { hint: 'Choose a file in a folder you can write to.', exitCode: ExitCode.usage, cause: error });
  }
}

// One self-contained page for one or more runs (a hardware matrix), with --history each cell's trend; default file:
// report.html in the first run's folder, next to its event log.
async function htmlReport(dirs: string[], output: string | undefined, history: boolean): Promise<number> {
  for (const dir of dirs) logPathOf(dir);
  const file = output ?? join(dirs[0]!, 'report.html');
  checkOutputPath(file);
  const written = await writeHtmlReport(dirs, file, { history });
  process.stdout.write(`${written.file}: ${written.runs} run(s), ${Math.round(written.bytes / 1024)} KiB${written.historySeries === undefined ? '' : `, ${written.historySeries} history series`}\n`);
  return ExitCode.ok;
}
