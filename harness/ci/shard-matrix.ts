// The shard matrix of a generated workflow: one job per shard of `--shard i/n`, with the split every runner computes.
import type { MachineInventory } from '../config/machines.js';
import type { RunConfig } from '../config/run-config.js';
import { assignShards } from '../runner/shard.js';
import { ExitCode, KptrlabError } from '../util/errors.js';
import { shardRunsOn } from './runner-labels.js';

/** GitHub runs at most this many jobs of one matrix. */
export const MAX_MATRIX_JOBS = 256;

/** One matrix entry: what `strategy.matrix.include` holds for a shard. */
export interface ShardJob {
  shard: number;
  count: number;
  /** The shard's targets, for the job's name only (never run as a command). */
  targets: string;
  /** runs-on: every label required. */
  runner: string[];
  /** True when the shard drives a lab machine (a self-hosted runner). */
  lab: boolean;
}

/** Refuses a shard count GitHub cannot run as one matrix. */
export function checkShardCount(count: number): void {
  if (!Number.isInteger(count) || count < 1 || count > MAX_MATRIX_JOBS) {
    throw new KptrlabError('CI_SHARDS_INVALID', `--shards ${count}: expected a whole number from 1 to ${MAX_MATRIX_JOBS}`, { hint: `GitHub Actions runs at most ${MAX_MATRIX_JOBS} jobs per matrix; more shards than targets only adds empty shards (e.g. --shards 3).`, exitCode: ExitCode.usage });
  }
}

/** Shards 1..count with their targets (assignShards, as `kptrlab run --shard` splits) and runner labels. */
export function shardJobs(config: RunConfig, count: number, inventory: MachineInventory = config.machines, inventoryFile: string = config.file): ShardJob[] {
  checkShardCount(count);
  const assigned = assignShards(config, count);
  return Array.from({ length: count }, (_, index) => {
    const targets = config.targets.filter((target) => assigned.get(target.name) === index + 1);
    return {
      shard: index + 1,
      count,
      targets: targets.map((target) => target.name).join(', ') || 'no targets',
      runner: shardRunsOn(targets, config, inventory, inventoryFile),
      lab: targets.some((target) => target.kind === 'machine'),
    };
  });
}

/** The JSON the plan job writes to $GITHUB_OUTPUT and the shard job reads with fromJSON(): {include: [...]}, one line. */
export function matrixJson(jobs: readonly ShardJob[]): string {
  return JSON.stringify({ include: jobs });
}
