// --shard i/n and kptrlab merge through the real CLI on this kernel: three local targets, three shards run at the same
// time, merged; the merged run has the unsharded run's targets, cases and verdicts, and the history holds only it.
import t from 'tap';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResults } from '../../harness/results/model.js';
import { bpfSkipReason } from '../helpers/bpf-env.js';
import { runCli } from '../helpers/cli.js';
import { scratchDir } from '../helpers/scratch.js';

const skip = bpfSkipReason();
if (skip) t.comment(`skipping shard and merge: ${skip}`);

const verdicts = (results: RunResults | undefined) => results?.targets.map((target) => [target.target.name, target.cases.map((entry) => [entry.id, entry.actual, entry.status, entry.stats?.insnsProcessed])]);

t.test('three shards run concurrently and merged equal the unsharded run', { skip }, async (t) => {
  const dir = scratchDir('kptrlab-shard-');
  const config = join(dir, 'three.yaml');
  writeFileSync(config, 'name: three\ntargets:\n  - {name: one, kind: local, series: absent}\n  - {name: two, kind: local, series: absent}\n  - {name: three, kind: local, series: absent}\nbench: {enabled: false}\n');
  const env = { KPTRLAB_HISTORY: join(dir, 'history.db') };
  const whole = await runCli(['verify', '--config', config], { env });
  t.equal(whole.exitCode, 0, whole.stderr.slice(-500));
  const shards = await Promise.all([1, 2, 3].map((index) => runCli(['verify', '--config', config, '--shard', `${index}/3`], { env })));
  t.same(shards.map((shard) => shard.exitCode), [0, 0, 0]);
  t.same(shards.map((shard) => shard.results?.targets.map((target) => target.target.name)), [['one'], ['two'], ['three']], 'one target per shard');
  t.same(shards.map((shard) => shard.results?.run.shard?.index), [1, 2, 3]);

  const mergedDir = join(dir, 'merged');
  // Given out of order: the merge orders by shard number, and the targets by the config.
  const merge = await runCli(['merge', shards[2]!.outputDir + '/' + shards[2]!.results!.run.id, shards[0]!.outputDir + '/' + shards[0]!.results!.run.id, shards[1]!.outputDir + '/' + shards[1]!.results!.run.id, '--output', mergedDir], { env });
  t.equal(merge.exitCode, 0, merge.stderr);
  t.match(merge.stdout, /merged 3 shard\(s\) into /);
  const [mergedRun] = readdirSync(mergedDir);
  const results = JSON.parse(readFileSync(join(mergedDir, mergedRun!, 'results.json'), 'utf8')) as RunResults;
  // The results file is the fold of the merged log: replaying the log alone gives the same.
  t.same(JSON.parse((await runCli(['report', join(mergedDir, mergedRun!), '--reporter', 'json'])).stdout), results, 'results.json is the fold of the merged event log');
  t.same(verdicts(results), verdicts(whole.results), 'the same targets, cases, verdicts and instruction counts as the unsharded run');
  t.match(results.run, { status: 'passed', exitCode: 0, mergedFrom: shards.map((shard) => shard.results!.run.id) });

  const history = await runCli(['history', 'runs', '--db', env.KPTRLAB_HISTORY]);
  t.equal(history.exitCode, 0, history.stderr);
  t.match(history.stdout, whole.results!.run.id, 'the unsharded run is in the history');
  t.match(history.stdout, results.run.id, 'the merged run is in the history');
  for (const shard of shards) t.notMatch(history.stdout, shard.results!.run.id, 'a shard is not');

  // The failing path through the CLI: a shard missing.
  const partial = await runCli(['merge', shards[0]!.outputDir + '/' + shards[0]!.results!.run.id, '--output', mergedDir]);
  t.equal(partial.exitCode, 2);
  t.match(partial.stderr, /shard\(s\) 2\/3, 3\/3 missing/);
});
