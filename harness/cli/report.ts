// `kptrlab report <run-dir>`: re-renders a saved run from its event log alone, with any reporter (or as results JSON).
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EVENT_LOG_NAME, EventLogError, readEventLog } from '../results/event-log.js';
import { reduceEvents } from '../results/reduce.js';
import { isReporterName, REPORTERS } from '../report/registry.js';
import { EventBus } from '../runner/events.js';
import { ExitCode, KptrlabError } from '../util/errors.js';

/** The run's event log: a run folder, or the log file itself. */
function logPathOf(target: string): string {
  const path = existsSync(target) && statSync(target).isDirectory() ? join(target, EVENT_LOG_NAME) : target;
  if (!existsSync(path)) {
    throw new KptrlabError('USAGE', `no event log at ${path}`, { hint: `Pass a run folder (results/<run id>, holding ${EVENT_LOG_NAME}) or the log file.`, exitCode: ExitCode.usage });
  }
  return path;
}

export async function reportCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: { reporter: { type: 'string', short: 'r', default: 'table' } }, allowPositionals: true, strict: true });
  const reporter = values.reporter ?? 'table';
  if (positionals.length !== 1) throw new KptrlabError('USAGE', 'kptrlab report takes one run folder', { hint: 'kptrlab report results/<run id> [--reporter table|tap|json]', exitCode: ExitCode.usage });
  if (reporter !== 'json' && !isReporterName(reporter)) {
    throw new KptrlabError('USAGE', `unknown reporter "${reporter}"`, { hint: `Use one of: ${[...Object.keys(REPORTERS), 'json'].join(', ')}.`, exitCode: ExitCode.usage });
  }
  const path = logPathOf(positionals[0]!);
  let log;
  try {
    log = readEventLog(path);
  } catch (error) {
    if (error instanceof EventLogError) throw new KptrlabError('EVENT_LOG_INVALID', error.message, { hint: 'Only a run kptrlab wrote can be re-rendered; a log cut off by a crash loses only its last line.', exitCode: ExitCode.usage });
    throw error;
  }
  if (log.truncated) process.stderr.write(`kptrlab: ${path}: the last line was cut off (the run was killed mid-write); it is left out\n`);
  if (reporter === 'json') {
    process.stdout.write(`${JSON.stringify(reduceEvents(log.events), null, 2)}\n`);
    return ExitCode.ok;
  }
  // Replayed through the same reducer and reporter as the live run: the output is the run's own.
  const output = REPORTERS[reporter]({ write: (text) => process.stdout.write(text), live: false });
  const bus = new EventBus();
  bus.subscribe((event, state) => output.onEvent(event, state));
  for (const event of log.events) bus.emit(event);
  return ExitCode.ok;
}
