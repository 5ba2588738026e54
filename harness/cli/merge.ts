// `kptrlab merge <shard run>...`: the shards of one --shard i/n run joined into one run folder (events.ndjson and
// results.json as the unsharded run would have written them), added to the history, printed; exits as the worst shard.
// `kptrlab merge <LAVA job>...`: the jobs of `kptrlab ci lava` (their log.yaml) joined the same way (docs/ci-lava.md).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { EVENT_LOG_NAME, EventLogError, EventLogWriter, readEventLog } from '../results/event-log.js';
import { RESULTS_FILE_NAME, writeResultsFile } from '../results/results-file.js';
import { isReporterName, REPORTERS, stdoutContext, type ReporterName } from '../report/registry.js';
import { EventBus } from '../runner/events.js';
import { lavaInputError, readLavaFile } from '../ci/lava-log.js';
import { mergeLavaJobs, type CollectedJob } from '../ci/lava-merge.js';
import { describeHost } from '../runner/host.js';
import { mergeShardEvents, type ShardLog } from '../runner/merge.js';
import { newRunId, recordInHistory } from '../runner/run.js';
import { ExitCode, KptrlabError, type ExitCodeValue } from '../util/errors.js';
import { sha256OfFile } from '../util/hash.js';

const USAGE = 'kptrlab merge <shard run dir>... | <LAVA job dir or log.yaml>... [--output DIR] [--reporter table|tap]';

// A LAVA job folder holds the job's log and, optionally, LAVA's results for it.
const LAVA_LOG_NAME = 'log.yaml';
const LAVA_RESULTS_NAME = 'results.yaml';

export async function mergeCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: { output: { type: 'string', short: 'o', default: 'results' }, reporter: { type: 'string', short: 'r', default: 'table' } }, allowPositionals: true, strict: true });
  const reporter = values.reporter ?? 'table';
  if (!isReporterName(reporter)) throw new KptrlabError('USAGE', `unknown reporter "${reporter}"`, { hint: USAGE, exitCode: ExitCode.usage });
  if (!positionals.length) throw new KptrlabError('USAGE', 'kptrlab merge needs the run folders of the shards', { hint: USAGE, exitCode: ExitCode.usage });
  const merged = await mergeRunFolders(positionals, { outputDir: values.output ?? 'results', reporter });
  return merged.exitCode;
}

export interface MergedRun {
  runDir: string;
  configHash: string;
  /** Every target of the whole run, in config order. */
  targets: string[];
  exitCode: ExitCodeValue;
}

/**
 * Joins the parts of one run into a run under outputDir, printed through the reporter and added to the history: the
 * run folders of its shards, or the LAVA jobs of kptrlab ci lava (never both).
 */
export async function mergeRunFolders(paths: readonly string[], options: { outputDir: string; reporter: ReporterName }): Promise<MergedRun> {
  const lava = paths.filter(isLavaInput);
  if (lava.length && lava.length !== paths.length) throw new KptrlabError('USAGE', `shard run folders and LAVA jobs in one merge (LAVA: ${lava.join(', ')})`, { hint: 'Merge the shards of a run, or the LAVA jobs of kptrlab ci lava, not both at once.', exitCode: ExitCode.usage });
  const id = newRunId(new Date());
  const events = lava.length ? await mergeLavaJobs(lava.map(readLavaJob), id, describeHost()) : mergeShardEvents(paths.map((dir): ShardLog => ({ dir, events: readShardLog(dir) })), id);
  const runDir = join(resolve(options.outputDir), id);
  const resultsPath = join(runDir, RESULTS_FILE_NAME);
  // Through the same bus as a live run: the log is written event by event, and the reporter prints the merged run.
  const bus = new EventBus(new EventLogWriter(join(runDir, EVENT_LOG_NAME)));
  const output = REPORTERS[options.reporter](stdoutContext());
  bus.subscribe((event, state) => output.onEvent(event, state));
  for (const event of events) bus.emit(event.type === 'run-start' ? { ...event, resultsPath } : event);
  bus.close();
  writeResultsFile(resultsPath, bus.state!);
  recordInHistory(runDir);
  process.stdout.write(`merged ${paths.length} ${lava.length ? 'LAVA job(s)' : 'shard(s)'} into ${runDir}\n`);
  const start = events[0]!;
  return { runDir, configHash: bus.state!.run.configHash, targets: start.type === 'run-start' ? start.targets : [], exitCode: (bus.state!.run.exitCode ?? ExitCode.ok) as ExitCodeValue };
}

function readShardLog(dir: string) {
  const path = join(dir, EVENT_LOG_NAME);
  if (!existsSync(path)) throw new KptrlabError('USAGE', `no event log at ${path}`, { hint: `Pass the run folder each shard wrote (results/<run id>, holding ${EVENT_LOG_NAME}).`, exitCode: ExitCode.usage });
  try {
    const log = readEventLog(path);
    if (log.truncated) throw new KptrlabError('MERGE_INVALID', `${path}: the last line was cut off: the shard was killed mid-write`, { hint: 'Run that shard again.', exitCode: ExitCode.usage });
    return log.events;
  } catch (error) {
    if (error instanceof EventLogError) throw new KptrlabError('EVENT_LOG_INVALID', error.message, { hint: 'Only logs kptrlab wrote can be merged.', exitCode: ExitCode.usage });
    throw error;
  }
}

/** --shard and --merge of nightly and premerge: one or the other, and folders only with --merge. */
export function checkShardFlags(command: string, shard: string | undefined, merge: boolean, folders: readonly string[], usage: string): void {
  if (shard && merge) throw new KptrlabError('USAGE', `kptrlab ${command}: --shard runs one part, --merge joins the parts: pass one of them`, { hint: usage, exitCode: ExitCode.usage });
  if (merge && !folders.length) throw new KptrlabError('USAGE', `kptrlab ${command} --merge needs the run folders of the shards`, { hint: usage, exitCode: ExitCode.usage });
  if (!merge && folders.length) throw new KptrlabError('USAGE', `kptrlab ${command}: unexpected argument "${folders[0]}"`, { hint: `Run folders are read only with --merge. ${usage}`, exitCode: ExitCode.usage });
}

/** The shards must have run the config this command was given: the judgement reads that config's thresholds. */
export function checkMergedConfig(merged: MergedRun, configFile: string, rerun: string): void {
  const hash = sha256OfFile(configFile);
  if (merged.configHash !== hash) {
    throw new KptrlabError('MERGE_INVALID', `the shards ran another config than ${configFile} (config hash ${merged.configHash.slice(0, 12)} vs ${hash.slice(0, 12)}); the merged run is kept in ${merged.runDir}`, { hint: `Pass the config the shards ran, or run them again with ${rerun}.`, exitCode: ExitCode.usage });
  }
}

// A file, or a folder with a log.yaml and no event log, is LAVA's; a run folder is a shard.
function isLavaInput(path: string): boolean {
  if (!existsSync(path)) return false;
  if (!statSync(path).isDirectory()) return true;
  return existsSync(join(path, LAVA_LOG_NAME)) && !existsSync(join(path, EVENT_LOG_NAME));
}

/** A LAVA job as given: a folder (log.yaml, optional results.yaml) or a log file; a results file alone is refused. */
function readLavaJob(path: string): CollectedJob {
  const folder = statSync(path).isDirectory();
  const logFile = folder ? join(path, LAVA_LOG_NAME) : path;
  const log = readLavaFile(logFile, readFileSync(logFile, 'utf8'));
  if (log.kind !== 'log') throw lavaInputError(logFile, 'is LAVA results, which hold verdicts but not the events a run is rebuilt from', `Pass the job's log too: put it beside the results as ${LAVA_LOG_NAME} (lavacli jobs logs --raw <job id> > ${LAVA_LOG_NAME}) and merge the folder.`);
  const resultsFile = folder ? join(path, LAVA_RESULTS_NAME) : undefined;
  if (!resultsFile || !existsSync(resultsFile)) return { source: path, log: { file: logFile, records: log.records } };
  const results = readLavaFile(resultsFile, readFileSync(resultsFile, 'utf8'));
  if (results.kind !== 'results') throw lavaInputError(resultsFile, 'is not LAVA results ({suite, name, result} entries)', `Save lavacli results <job id> --yaml as ${LAVA_RESULTS_NAME}, or remove the file.`);
  return { source: path, log: { file: logFile, records: log.records }, results: { file: resultsFile, entries: results.entries } };
}
