// Nightly through the real CLI on this kernel (verifier only, so nothing here is statistical): the first run is the
// baseline, the next is compared with it, a run that fails is a new regression (exit 1), and every run lands in history.
import { execa } from 'execa';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { openHistory } from '../../harness/history/db.js';
import { listRuns } from '../../harness/history/queries.js';
import { bpfSkipReason } from '../helpers/bpf-env.js';
import { CLI } from '../helpers/cli.js';
import { scratchDir } from '../helpers/scratch.js';

const skip = bpfSkipReason();
if (skip) t.comment(`skipping local BPF tests: ${skip}`);

t.test('kptrlab nightly: baseline, compared run, a failing run, all in history', { skip }, async (t) => {
  const dir = scratchDir('kptrlab-nightly-local-');
  const db = join(dir, 'history.db');
  const output = join(dir, 'results');
  const config = join(dir, 'nightly.yaml');
  const write = (series: string) => writeFileSync(config, `name: nightly-local\ntargets:\n  - {name: local, kind: local, series: ${series}}\nbench: {enabled: false}\n`);
  const nightly = () => execa(process.execPath, [CLI, 'nightly', '--config', config, '--db', db, '--output', output], { reject: false, env: { KPTRLAB_NO_UI: '1' } });
  write('absent');
  const first = await nightly();
  t.equal(first.exitCode, 0, first.stderr.slice(-300));
  t.match(first.stdout, /the first nightly of this config \(nothing to compare with\)[\s\S]*no new regression/);
  const second = await nightly();
  t.equal(second.exitCode, 0);
  const [firstId, secondId] = readdirSync(output).sort();
  t.match(second.stdout, new RegExp(`nightly ${secondId}: compared with the previous nightly ${firstId}`));
  t.match(second.stdout, /verifier cases: 19 compared, 0 changed/);
  t.ok(existsSync(join(output, secondId!, 'nightly.json')) && existsSync(join(output, secondId!, 'nightly.txt')), 'the report is saved with the run');
  // The kernel is not what the config now declares: every case still passes, the target fails, so the run does.
  write('full');
  const third = await nightly();
  t.equal(third.exitCode, 1, 'a new failure is a new regression');
  // A fourth, passing again: its previous run is the failed third, its last good one the second.
  write('absent');
  t.equal((await nightly()).exitCode, 0);
  const ids = readdirSync(output).sort();
  const history = openHistory(db);
  try {
    t.equal(listRuns(history, {}).length, 4, 'every nightly was added to the history');
  } finally {
    history.close();
  }
  const compare = (baseline: string) => execa(process.execPath, [CLI, 'compare', join(output, ids[3]!), '--baseline', baseline, '--db', db], { reject: false });
  const lastGood = await compare('last-good');
  t.match(lastGood.stdout, new RegExp(`^compare ${ids[1]} \\(baseline\\) → ${ids[3]}`));
  t.equal(lastGood.exitCode, 0, 'nothing regressed against the last good run');
  const previous = await compare('previous');
  t.match(previous.stdout, new RegExp(`^compare ${ids[2]} \\(baseline\\) → ${ids[3]}`));
  const unknown = await compare('yesterday');
  t.equal(unknown.exitCode, 2);
  t.match(unknown.stderr, /--baseline yesterday: unknown baseline[\s\S]*last-good, previous/);
  const oldest = await execa(process.execPath, [CLI, 'compare', join(output, ids[0]!), '--baseline', 'previous', '--db', db], { reject: false });
  t.equal(oldest.exitCode, 2, 'the first run has no baseline');
  t.match(oldest.stderr, /no finished run of .* before/);
});
