// --shard i/n and kptrlab merge: a deterministic split that keeps each target whole, and a merge that refuses
// anything but every shard of one run, once, finished.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { parseRunConfig } from '../../harness/config/run-config.js';
import type { RunEvent } from '../../harness/results/events.js';
import { reduceEvents } from '../../harness/results/reduce.js';
import { mergeShardEvents, type ShardLog } from '../../harness/runner/merge.js';
import { assignShards, parseShard, shardConfig, targetWeight } from '../../harness/runner/shard.js';
import { projectPath } from '../../harness/util/paths.js';

const ab = parseRunConfig(projectPath('config', 'ab.yaml'), readFileSync(projectPath('config', 'ab.yaml'), 'utf8'));

t.test('i/n is parsed, and anything else refused with an example', async (t) => {
  t.same(parseShard('2/3'), { index: 2, count: 3 });
  for (const bad of ['0/3', '4/3', '3', 'a/b', '1/0', '-1/2']) t.throws(() => parseShard(bad), { code: 'USAGE', hint: /--shard 2\/3/ }, bad);
});

t.test('the split: every target in exactly one shard, the same every time, costly targets spread', async (t) => {
  const names = ab.targets.map((target) => target.name);
  for (const count of [1, 2, 3, 5, 7]) {
    const shards = Array.from({ length: count }, (_, index) => shardConfig(ab, { index: index + 1, count }).targets.map((target) => target.name));
    t.same(shards.flat().sort(), [...names].sort(), `${count} shards: each target once`);
    t.same(shards, Array.from({ length: count }, (_, index) => shardConfig(ab, { index: index + 1, count }).targets.map((target) => target.name)), `${count} shards: deterministic`);
    for (const shard of shards) t.same(shard, names.filter((name) => shard.includes(name)), 'config order kept inside a shard');
  }
  const arm64 = ab.targets.find((target) => target.name === 'patched-arm64')!;
  const base = ab.targets.find((target) => target.name === 'base')!;
  t.ok(targetWeight(ab, arm64) > targetWeight(ab, base), 'an arm64 TCG guest weighs more than an x86_64 one');
  const three = assignShards(ab, 3);
  t.equal(new Set(three.values()).size, 3, 'five targets over three shards: none empty');
  t.equal([...three.entries()].filter(([, shard]) => shard === three.get('patched-arm64')).length, 1, 'the heaviest target gets a shard to itself');
  const narrowed = shardConfig(ab, { index: 2, count: 3 });
  t.same(narrowed.shard, { index: 2, count: 3, targets: names }, 'the shard and the whole target list go into the run');
  t.same(shardConfig(ab, { index: 7, count: 7 }).targets, [], 'more shards than targets: some shards have nothing to run');
});

// A shard's log as the runner writes it: run-start with the shard, each target's events, run-end.
const shardLog = (index: number, count: number, targets: string[], mine: string[], exitCode = 0, configHash = 'c0ffee'): ShardLog => ({
  dir: `results/shard-${index}`,
  events: [
    { type: 'run-start', schema: 'kptrlab.events', schemaVersion: 1, run: { id: `s${index}`, configFile: 'ab.yaml', configHash, startedAt: `2026-12-04T10:0${index}:00.000Z`, host: { hostname: 'h', cpu: 'c', cores: 2, memoryGiB: 24, kernelRelease: '6.18' }, kptrlab: { version: '0.1.0', commit: 'abc' }, shard: { index, count, targets } }, resultsPath: 'r', targets: mine },
    ...mine.flatMap((name): RunEvent[] => [
      { type: 'target-start', target: { name, kind: 'local', accelerator: 'native', timeUnit: 'ns', kernelRelease: '6.18', arch: 'x86_64' } },
      { type: 'case', target: name, result: { id: `case_of_${name}`, source: 'x.bpf.c', description: '', level: 'base', expected: 'accept', actual: 'accept', status: 'pass' } } as RunEvent,
    ]),
    { type: 'run-end', status: exitCode ? 'failed' : 'passed', exitCode, finishedAt: `2026-12-04T10:1${index}:00.000Z` },
  ],
});

t.test('merge: targets in the whole run\'s order, the earliest start, the latest end, the worst exit', async (t) => {
  const targets = ['a', 'b', 'c'];
  const events = mergeShardEvents([shardLog(2, 2, targets, ['b'], 1), shardLog(1, 2, targets, ['a', 'c'])], 'merged-id');
  const results = reduceEvents(events);
  t.same(results.targets.map((target) => target.target.name), ['a', 'b', 'c'], 'config order, not shard order');
  t.same(results.targets.map((target) => target.cases.map((entry) => entry.id)), [['case_of_a'], ['case_of_b'], ['case_of_c']]);
  t.match(results.run, { id: 'merged-id', startedAt: '2026-12-04T10:01:00.000Z', finishedAt: '2026-12-04T10:12:00.000Z', status: 'failed', exitCode: 1, mergedFrom: ['s1', 's2'] });
  t.equal(results.run.shard, undefined, 'the merged run is not a shard');
});

t.test('merge refuses what is not every shard of one run, once, finished', async (t) => {
  const targets = ['a', 'b'];
  const one = shardLog(1, 2, targets, ['a']);
  const two = shardLog(2, 2, targets, ['b']);
  t.throws(() => mergeShardEvents([one], 'x'), { code: 'MERGE_INVALID', message: /shard\(s\) 2\/2 missing/ });
  t.throws(() => mergeShardEvents([one, one], 'x'), { message: /shard 1\/2 is given twice/ });
  t.throws(() => mergeShardEvents([one, shardLog(2, 3, targets, ['b'])], 'x'), { message: /shard 2\/3, .* is 1\/2/ });
  t.throws(() => mergeShardEvents([one, shardLog(2, 2, targets, ['b'], 0, 'decaf')], 'x'), { message: /another config/ });
  t.throws(() => mergeShardEvents([one, shardLog(2, 2, ['a', 'z'], ['z'])], 'x'), { message: /different target lists/ });
  t.throws(() => mergeShardEvents([one, { ...two, events: two.events.slice(0, -1) }], 'x'), { message: /has no run-end: it is still running or was killed/ });
  const unsharded = { ...one, events: [{ ...one.events[0], run: { ...(one.events[0] as Extract<RunEvent, { type: 'run-start' }>).run, shard: undefined } } as RunEvent, ...one.events.slice(1)] };
  t.throws(() => mergeShardEvents([unsharded, two], 'x'), { message: /is not a shard/ });
  t.throws(() => mergeShardEvents([], 'x'), { code: 'MERGE_INVALID', hint: /kptrlab merge results/ });
});
