// How a run fails: not root, a case that does not compile, a bad config.
import t from 'tap';
import { chmodSync, copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bpfSkipReason } from '../helpers/bpf-env.js';
import { runCli } from '../helpers/cli.js';
import { projectPath } from '../../harness/util/paths.js';
import { scratchDir } from '../helpers/scratch.js';

const skip = bpfSkipReason();
const notRoot = process.getuid?.() === 0 ? undefined : 'needs root to drop to an unprivileged user';

t.test('as non-root the local target stops at once and says what it needs', { skip: notRoot }, async (t) => {
  const outputDir = scratchDir('kptrlab-nonroot-');
  chmodSync(outputDir, 0o777);
  const run = await runCli(['verify', '--config', 'config/quick.yaml'], { uid: 65534, gid: 65534, outputDir, env: { HOME: outputDir, KPTRLAB_CACHE: join(outputDir, 'cache') } });
  t.equal(run.exitCode, 69, `exit 69 (stdout: ${run.stdout.slice(-300)} stderr: ${run.stderr.slice(-300)})`);
  t.match(run.stdout, /local target: loading BPF programs needs root \(or CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN\)/);
  t.match(run.stdout, /fix: Run as root/);
  t.equal(run.results?.run.status, 'error');
  t.equal(run.results?.targets[0]?.cases.length, 0, 'stopped before compiling or loading anything');
});

t.test('a case that does not compile is reported with clang\'s first error; the rest runs', { skip }, async (t) => {
  const dir = scratchDir('kptrlab-cases-');
  copyFileSync(projectPath('programs', 'cases', 'walk_stock_baseline.bpf.c'), join(dir, 'good.bpf.c'));
  writeFileSync(join(dir, 'broken.bpf.c'), '#include "kptrlab.h"\nSEC("tc") KL_ACCEPT("base") int broken(void *ctx) { return undefined_symbol; }\n');
  const config = join(dir, 'cfg.yaml');
  writeFileSync(config, `name: broken\nverify:\n  cases: ${dir}\nbench:\n  enabled: false\n`);
  const run = await runCli(['verify', '--config', config]);
  t.equal(run.exitCode, 1, 'a compile error fails the run');
  t.match(run.stdout, /COMPILE ERROR .*broken\.bpf\.c\n\s+.*broken\.bpf\.c:2:\d+: error: use of undeclared identifier 'undefined_symbol'/);
  const target = run.results?.targets[0];
  t.equal(target?.compileErrors.length, 1);
  t.ok((target?.cases.length ?? 0) >= 3, 'cases of the good file still ran');
  t.ok(target?.cases.every((entry) => entry.status === 'pass'), 'and passed');
});

t.test('a kernel that is not the declared one fails the run: series: full on this base kernel exits 1 naming the mismatch', { skip }, async (t) => {
  const dir = scratchDir('kptrlab-series-');
  const config = join(dir, 'declared-full.yaml');
  writeFileSync(config, 'name: declared-full\ntargets:\n  - kind: local\n    series: full\nbench:\n  enabled: false\n');
  const run = await runCli(['verify', '--config', config]);
  t.equal(run.exitCode, 1, `exit 1 (stdout tail: ${run.stdout.slice(-400)})`);
  t.match(run.stdout, /series: full \(level full\) but the probes find level base/);
  const errors = run.results?.targets[0]?.errors ?? [];
  t.same(errors.map((error) => error.code), ['SERIES_MISMATCH'], 'one target error, coded');
  t.ok((run.results?.targets[0]?.cases.length ?? 0) > 0, 'the matrix still ran and is kept');
  // The declaration that fits (absent) passes on the same kernel: the check is not failing everything.
  writeFileSync(config, 'name: declared-absent\ntargets:\n  - kind: local\n    series: absent\nbench:\n  enabled: false\n');
  const fitting = await runCli(['verify', '--config', config]);
  t.equal(fitting.exitCode, 0, `exit 0 (stdout tail: ${fitting.stdout.slice(-400)})`);
  t.same(fitting.results?.targets[0]?.errors, []);
});

t.test('--samples below what a 95 % CI of the median needs is refused', async (t) => {
  const run = await runCli(['bench', '--config', 'config/quick.yaml', '--samples', '3']);
  t.equal(run.exitCode, 2);
  t.match(run.stderr, /--samples 3: at least 10 samples/);
  t.equal(run.results, undefined, 'nothing ran');
});

t.test('a bad config exits 2 naming file, line and key', async (t) => {
  const dir = scratchDir('kptrlab-cfg-');
  const config = join(dir, 'bad.yaml');
  writeFileSync(config, 'name: bad\nbench:\n  sizes: [16]\n  lookup: 10\n');
  const run = await runCli(['run', '--config', config]);
  t.equal(run.exitCode, 2);
  t.match(run.stderr, /bad\.yaml:4: bench\.lookup: expected one of the keys .*, got unknown key "lookup"/);
  t.match(run.stderr, /fix: Did you mean "lookups"\?/);
  t.equal(run.results, undefined, 'nothing was written');
  const missing = await runCli(['run', '--config', join(dir, 'nope.yaml')]);
  t.equal(missing.exitCode, 2);
  t.match(missing.stderr, /cannot read config .*nope\.yaml: ENOENT/);
});
