// `kptrlab merge`: the shards of one run (--shard i/n) joined into the run they are parts of: every target's events in
// the whole config's target order, so the merged log folds into the results the unsharded run would have had.
import type { RunEvent } from '../results/events.js';
import type { RunInfo } from '../results/model.js';
import { ExitCode, KptrlabError } from '../util/errors.js';

/** One shard's log as read from its run folder. */
export interface ShardLog {
  dir: string;
  events: RunEvent[];
}

type RunStart = Extract<RunEvent, { type: 'run-start' }>;
type RunEnd = Extract<RunEvent, { type: 'run-end' }>;

// Which exit code wins when shards disagree: an interrupted or broken shard says more than a failed test.
const EXIT_PRECEDENCE: readonly number[] = [ExitCode.ok, ExitCode.testsFailed, ExitCode.usage, ExitCode.unavailable, ExitCode.interrupted];

function mergeError(message: string, hint: string): KptrlabError {
  return new KptrlabError('MERGE_INVALID', message, { hint, exitCode: ExitCode.usage });
}

/** Checks that the logs are every shard of one run, exactly once, each finished; returns them in shard order. */
type CheckedShard = ShardLog & { start: RunStart; end: RunEnd; shard: NonNullable<RunInfo['shard']> };

export function checkShards(logs: readonly ShardLog[]): CheckedShard[] {
  if (!logs.length) throw mergeError('kptrlab merge needs the run folders of the shards', 'kptrlab merge results/<shard 1> results/<shard 2> ...');
  const shards = logs.map((log): CheckedShard => {
    const start = log.events[0] as RunStart;
    const shard = start.run.shard;
    if (!shard) throw mergeError(`${log.dir} is not a shard (its run was not started with --shard i/n)`, 'Merge only the folders of runs started with --shard.');
    const end = [...log.events].reverse().find((event): event is RunEnd => event.type === 'run-end');
    if (!end) throw mergeError(`${log.dir}: shard ${shard.index}/${shard.count} has no run-end: it is still running or was killed`, 'Wait for it, or run that shard again.');
    return { ...log, start, end, shard };
  });
  const first = shards[0]!;
  for (const other of shards.slice(1)) {
    if (other.shard.count !== first.shard.count) throw mergeError(`${other.dir} is shard ${other.shard.index}/${other.shard.count}, ${first.dir} is ${first.shard.index}/${first.shard.count}`, 'Merge the shards of one split: the same n everywhere.');
    if (other.start.run.configHash !== first.start.run.configHash) throw mergeError(`${other.dir} ran another config than ${first.dir} (config hash ${other.start.run.configHash.slice(0, 12)} vs ${first.start.run.configHash.slice(0, 12)})`, 'Merge the shards of one run of one config.');
    if (other.shard.targets.join('\n') !== first.shard.targets.join('\n')) throw mergeError(`${other.dir} and ${first.dir} split different target lists`, 'Run every shard with the same config and options.');
  }
  const seen = new Map<number, string>();
  for (const entry of shards) {
    const twice = seen.get(entry.shard.index);
    if (twice) throw mergeError(`shard ${entry.shard.index}/${entry.shard.count} is given twice: ${twice} and ${entry.dir}`, 'Pass each shard once.');
    seen.set(entry.shard.index, entry.dir);
  }
  const missing = Array.from({ length: first.shard.count }, (_, index) => index + 1).filter((index) => !seen.has(index));
  if (missing.length) throw mergeError(`shard(s) ${missing.map((index) => `${index}/${first.shard.count}`).join(', ')} missing`, 'Pass the run folder of every shard (a shard with no targets still writes one).');
  return shards.sort((a, b) => a.shard.index - b.shard.index);
}

/** The merged run's events: one run-start over all targets, each target's events in config order, one run-end. */
export function mergeShardEvents(logs: readonly ShardLog[], id: string): RunEvent[] {
  const shards = checkShards(logs);
  const first = shards[0]!;
  const targets = first.shard.targets;
  const byTarget = new Map<string, RunEvent[]>(targets.map((name) => [name, []]));
  const untargeted: RunEvent[] = [];
  for (const shard of shards) {
    for (const event of shard.events) {
      if (event.type === 'run-start' || event.type === 'run-end') continue;
      const target = 'target' in event && typeof event.target === 'string' ? event.target : 'target' in event && event.target && typeof event.target === 'object' ? event.target.name : undefined;
      const list = target === undefined ? undefined : byTarget.get(target);
      if (target !== undefined && !list) throw mergeError(`${shard.dir} has events of target "${target}", which the run's target list does not name`, 'Merge shards of one run only.');
      (list ?? untargeted).push(event);
    }
  }
  const startedAt = shards.map((shard) => shard.start.run.startedAt).sort()[0]!;
  const finishedAt = shards.map((shard) => shard.end.finishedAt).sort().at(-1)!;
  const worst = shards.map((shard) => shard.end).sort((a, b) => EXIT_PRECEDENCE.indexOf(b.exitCode) - EXIT_PRECEDENCE.indexOf(a.exitCode))[0]!;
  const { shard: _shard, ...info } = first.start.run;
  const run: Omit<RunInfo, 'status'> = { ...info, id, startedAt, mergedFrom: shards.map((shard) => shard.start.run.id) };
  return [
    { ...first.start, run, targets },
    ...untargeted,
    ...targets.flatMap((name) => byTarget.get(name)!),
    { type: 'run-end', status: worst.status, exitCode: worst.exitCode, finishedAt },
  ];
}
