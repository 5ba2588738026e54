// kptrlab selftests on this machine's kernel (6.18): the 7.3 tree's tests run through the whole pipeline;
// they cannot compile against 6.18's kfuncs, which lists.yaml allows for the local target with a reason.
import t from 'tap';
import { bpfSkipReason } from '../helpers/bpf-env.js';
import { runCli } from '../helpers/cli.js';

const skip = bpfSkipReason();
if (skip) t.comment(`skipping local selftests: ${skip}`);

t.test('kptrlab selftests on the local kernel', { skip }, async (t) => {
  const run = await runCli(['selftests', '--reporter', 'tap']);
  t.equal(run.exitCode, 0, `exit code (stderr: ${run.stderr.slice(-400)})`);
  t.match(run.stdout, /^TAP version 14/m);
  t.notMatch(run.stdout, /^not ok \d+ - (?!.*# TODO)/m, 'no failing test point (known failures carry # TODO)');
  const selftests = run.results?.targets[0]?.selftests;
  t.ok(selftests, 'selftests recorded in results.json');
  if (!selftests) return;
  t.equal(selftests.series, 'absent', 'config/local.yaml declares the series absent');
  t.match(selftests.source, /linux-source-7\.3/);
  const compile = selftests.tests.filter((test) => test.id.endsWith('/compile'));
  t.ok(compile.length >= 10, `${compile.length} files reported, none dropped`);
  for (const test of compile) {
    t.equal(test.status, 'allowed-fail', `${test.id} allowed`);
    t.match(test.reason, /undeclared function 'bpf_\w+'/, `${test.id}: clang's reason kept`);
    t.match(test.list, { action: 'allow', expired: false });
  }
  t.match(run.stdout, /^# Subtest: local selftests\n/m, "the selftests form one TAP subtest");
  t.match(run.stdout, /^    not ok \d+ - rbtree_search_kptr\/compile: .*# TODO allowed until \d{4}-\d{2}-\d{2}/m);
  t.match(run.stdout, /^ok \d+ - local selftests \(\d+ subtests\)$/m);
  t.match(selftests.testProgs, { ran: false, note: /did not build/ }, 'test_progs tried and its failure explained');
});
