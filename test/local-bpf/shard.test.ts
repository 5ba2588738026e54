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

t.test('nightly: three shards, then --merge joins them and compares as an unsharded nightly', { skip }, async (t) => {
  const dir = scratchDir('kptrlab-nightly-shard-');
  const config = join(dir, 'three.yaml');
  writeFileSync(config, 'name: three\ntargets:\n  - {name: one, kind: local, series: absent}\n  - {name: two, kind: local, series: absent}\n  - {name: three, kind: local, series: absent}\nbench: {enabled: false}\n');
  const db = join(dir, 'history.db');
  const shardsDir = join(dir, 'shards');
  const shards = await Promise.all([1, 2, 3].map((index) => runCli(['nightly', '--config', config, '--db', db, '--shard', `${index}/3`, '--output', shardsDir])));
  t.same(shards.map((shard) => shard.exitCode), [0, 0, 0], shards.map((shard) => shard.stderr).join(''));
  t.match(shards[0]!.stdout, /nightly shard 1\/3 done; compared once merged/);
  t.notMatch(shards[0]!.stdout, /no new regression/, 'a shard alone is not compared');
  const folders = readdirSync(shardsDir).map((name) => join(shardsDir, name));
  t.equal(folders.length, 3);

  const merged = await runCli(['nightly', '--config', config, '--db', db, '--merge', ...folders, '--output', join(dir, 'nightly')]);
  t.equal(merged.exitCode, 0, merged.stderr);
  t.match(merged.stdout, /merged 3 shard\(s\)[\s\S]*the first nightly of this config[\s\S]*no new regression/);
  const [run] = readdirSync(join(dir, 'nightly'));
  const report = JSON.parse(readFileSync(join(dir, 'nightly', run!, 'nightly.json'), 'utf8')) as { run: string };
  t.equal(report.run, run, 'nightly.json belongs to the merged run');

  // The failing paths: shards of another config, and --shard with --merge.
  const other = join(dir, 'other.yaml');
  writeFileSync(other, readFileSync(config, 'utf8').replace('name: three', 'name: other'));
  const wrong = await runCli(['nightly', '--config', other, '--db', db, '--merge', ...folders, '--output', join(dir, 'wrong')]);
  t.equal(wrong.exitCode, 2);
  t.match(wrong.stderr, /the shards ran another config than .*other\.yaml/);
  const both = await runCli(['nightly', '--config', config, '--shard', '1/3', '--merge', folders[0]!]);
  t.equal(both.exitCode, 2);
  t.match(both.stderr, /pass one of them/);
  const stray = await runCli(['nightly', '--config', config, folders[0]!]);
  t.equal(stray.exitCode, 2);
  t.match(stray.stderr, /Run folders are read only with --merge/);
});
