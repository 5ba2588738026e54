// `kptrlab premerge --check` through the real CLI: the project's series read and listed; the mangled review-thread copy
// refused with exit 1 naming the hunk; usage errors exit 2.
import t from 'tap';
import { runCli } from '../helpers/cli.js';

t.test('premerge --check: a good series is listed, a mangled one refused before anything is built', async (t) => {
  const good = await runCli(['premerge', '--series', 'config/patches/kptr-nonown', '--allow-missing', '--check']);
  t.equal(good.exitCode, 0, good.stderr);
  t.match(good.stdout, /series: 3 patch\(es\) of v1\n  1\/4 bpf: allow bpf_kptr_xchg while holding a bpf_spin_lock \(kernel\/bpf\/verifier\.c\)\n  2\/4 .*\n  4\/4 /);
  t.match(good.stdout, /note: patch 3\/4 is not in the input/);
  const gap = await runCli(['premerge', '--series', 'config/patches/kptr-nonown', '--check']);
  t.equal(gap.exitCode, 2);
  t.match(gap.stderr, /patch 3\/4 of v1 is missing.*\[SERIES_INCOMPLETE\]/);
  const mangled = await runCli(['premerge', '--series', 'test/fixtures/premerge/mangled-review-thread.txt']);
  t.equal(mangled.exitCode, 1, 'a corrupt patch is a failed check of the series');
  t.match(mangled.stderr, /kernel\/bpf\/verifier\.c, hunk #1 @@ -9260,7 \+9260,8 @@.*\[SERIES_MALFORMED\]/);
  t.match(mangled.stderr, /b4 am/);
  t.notMatch(mangled.stdout, /kernels:/, 'nothing was planned or built');
  const usage = await runCli(['premerge']);
  t.equal(usage.exitCode, 2);
  t.match(usage.stderr, /needs --series/);
  const help = await runCli(['premerge', '--help']);
  t.match(help.stdout, /--only-final/);
  t.match(help.stdout, /--shard i\/n[\s\S]*--merge DIR/);
});

t.test('premerge --shard and --merge: one or the other, folders only with --merge, i/n checked', async (t) => {
  const series = ['premerge', '--series', 'config/patches/kptr-nonown', '--allow-missing', '--check'];
  const both = await runCli([...series, '--shard', '1/2', '--merge', 'results/x']);
  t.equal(both.exitCode, 2);
  t.match(both.stderr, /--shard runs one part, --merge joins the parts: pass one of them/);
  const none = await runCli([...series, '--merge']);
  t.equal(none.exitCode, 2);
  t.match(none.stderr, /--merge needs the run folders of the shards/);
  const stray = await runCli([...series, 'results/x']);
  t.equal(stray.exitCode, 2);
  t.match(stray.stderr, /unexpected argument "results\/x"/);
  const zero = await runCli([...series, '--shard', '3/2']);
  t.equal(zero.exitCode, 2);
  t.match(zero.stderr, /--shard 3\/2: expected i\/n with 1 ≤ i ≤ n/);
});
