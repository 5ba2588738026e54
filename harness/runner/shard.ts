// `--shard i/n`: a deterministic split of a run's work over n runners. A target's suites stay together (its kernel is
// built and booted once), so the split is over targets, packed by their expected cost; `kptrlab merge` joins the shards.
import type { RunConfig, TargetConfig } from '../config/run-config.js';
import { ExitCode, KptrlabError } from '../util/errors.js';

export interface ShardSpec {
  /** 1-based. */
  index: number;
  count: number;
}

/** "i/n" with 1 ≤ i ≤ n. */
export function parseShard(text: string): ShardSpec {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index < 1 || index > count) {
    throw new KptrlabError('USAGE', `--shard ${text}: expected i/n with 1 ≤ i ≤ n`, { hint: 'e.g. --shard 2/3 runs the second of three shards; kptrlab merge joins them.', exitCode: ExitCode.usage });
  }
  return { index, count };
}

/**
 * A target's relative cost: a QEMU boot costs more than a local or lab run, an arm64 guest (TCG on x86) more than an
 * x86_64 one, and each enabled suite adds its share. Only the order matters: it packs shards of similar length.
 */
export function targetWeight(config: RunConfig, target: TargetConfig): number {
  const boot = target.kind === 'qemu' ? (target.arch === 'arm64' ? 4 : 2) : target.kind === 'machine' && target.kernel ? 3 : 0;
  const slow = target.kind === 'qemu' && target.arch === 'arm64' ? 2 : 1;
  const suites = (config.verify.enabled ? 1 : 0) + (config.bench.enabled && target.bench !== false ? 3 : 0) + (config.selftests.enabled ? 4 : 0);
  return boot + slow * suites;
}

/** Each target's shard (1-based), longest first into the lightest shard; ties go to the lower shard, in config order. */
export function assignShards(config: RunConfig, count: number): Map<string, number> {
  const order = config.targets.map((target, position) => ({ target, position, weight: targetWeight(config, target) }))
    .sort((a, b) => b.weight - a.weight || a.position - b.position);
  const loads = Array.from({ length: count }, () => 0);
  const assigned = new Map<string, number>();
  for (const { target, weight } of order) {
    const lightest = loads.indexOf(Math.min(...loads));
    loads[lightest]! += weight;
    assigned.set(target.name, lightest + 1);
  }
  return assigned;
}

/** The config narrowed to one shard's targets (config order kept); the shard and the whole target list go into its run. */
export function shardConfig(config: RunConfig, shard: ShardSpec): RunConfig {
  const assigned = assignShards(config, shard.count);
  return { ...config, targets: config.targets.filter((target) => assigned.get(target.name) === shard.index), shard: { ...shard, targets: config.targets.map((target) => target.name) } };
}
