// `kptrlab merge <shard run>...`: the shards of one --shard i/n run joined into one run folder (events.ndjson and
// results.json as the unsharded run would have written them), added to the history, printed; exits as the worst shard.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { EVENT_LOG_NAME, EventLogError, EventLogWriter, readEventLog } from '../results/event-log.js';
import { RESULTS_FILE_NAME, writeResultsFile } from '../results/results-file.js';
import { isReporterName, REPORTERS, stdoutContext, type ReporterName } from '../report/registry.js';
import { EventBus } from '../runner/events.js';
import { mergeShardEvents, type ShardLog } from '../runner/merge.js';
import { newRunId, recordInHistory } from '../runner/run.js';
import { ExitCode, KptrlabError, type ExitCodeValue } from '../util/errors.js';
import { sha256OfFile } from '../util/hash.js';

const USAGE = 'kptrlab merge <shard run dir>... [--output DIR] [--reporter table|tap]';

export async function mergeCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: { output: { type: 'string', short: 'o', default: 'results' }, reporter: { type: 'string', short: 'r', default: 'table' } }, allowPositionals: true, strict: true });
  const reporter = values.reporter ?? 'table';
  if (!isReporterName(reporter)) throw new KptrlabError('USAGE', `unknown reporter "${reporter}"`, { hint: USAGE, exitCode: ExitCode.usage });
  if (!positionals.length) throw new KptrlabError('USAGE', 'kptrlab merge needs the run folders of the shards', { hint: USAGE, exitCode: ExitCode.usage });
  const merged = mergeShardFolders(positionals, { outputDir: values.output ?? 'results', reporter });
  return merged.exitCode;
}

export interface MergedRun {
  runDir: string;
  configHash: string;
  /** Every target of the whole run, in config order. */
  targets: string[];
  exitCode: ExitCodeValue;
}

/** Joins shard run folders into one run under outputDir, printed through the reporter and added to the history. */
export function mergeShardFolders(dirs: readonly string[], options: { outputDir: string; reporter: ReporterName }): MergedRun {
  const logs: ShardLog[] = dirs.map((dir) => ({ dir, events: readShardLog(dir) }));
  const id = newRunId(new Date());
  const events = mergeShardEvents(logs, id);
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
  process.stdout.write(`merged ${logs.length} shard(s) into ${runDir}\n`);
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
