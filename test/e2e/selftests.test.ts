// The kernel tree's own selftests on the base and patched kernels under QEMU, with the tree's verdict rules,
// compared with the tree's own test_progs run in the same guests.
import t from 'tap';
import { runCli } from '../helpers/cli.js';

if (process.env.KPTRLAB_E2E !== '1') {
  t.plan(0, 'set KPTRLAB_E2E=1 to boot the base and patched kernels and run the tree selftests in them (about 6 minutes warm)');
} else {
  t.test('kptrlab selftests --config config/ab.yaml --target base --target patched', async (t) => {
    const run = await runCli(['selftests', '--config', 'config/ab.yaml', '--target', 'base', '--target', 'patched']);
    if (run.exitCode !== 0) t.comment(`stdout tail:\n${run.stdout.slice(-4000)}\nstderr tail:\n${run.stderr.slice(-1000)}`);
    t.equal(run.exitCode, 0, 'exit code 0');
    const targets = new Map((run.results?.targets ?? []).map((target) => [target.target.name, target.selftests]));
    const base = targets.get('base');
    const patched = targets.get('patched');
    t.ok(base && patched, 'both targets ran the selftests');
    if (!base || !patched) return;
    const status = (tests: typeof base.tests, id: string) => tests.find((test) => test.id === id)?.status;
    t.ok(patched.tests.length >= 150, `${patched.tests.length} subtests on patched`);
    t.ok(patched.tests.every((test) => test.status === 'pass'), 'patched: every subtest passes');
    for (const id of ['rbtree_search_kptr/rbtree_search_kptr', 'rbtree_search_kptr/rbtree_search_kptr_ref', 'rbtree_search_kptr/non_own_ref_kptr_xchg_no_lock']) {
      t.equal(status(patched.tests, id), 'pass', `patched: ${id} passes`);
      t.equal(status(base.tests, id), 'expected-fail', `base: ${id} fails, expected because series: absent`);
    }
    const needsNothing = base.tests.filter((test) => !test.requires);
    t.ok(needsNothing.every((test) => test.status === 'pass'), 'base: every test that does not need the series passes');
    t.match(base.tests.find((test) => test.id === 'rbtree_search_kptr/rbtree_search_kptr')?.reason, /series: absent/);
    for (const [name, selftests] of [['base', base], ['patched', patched]] as const) {
      t.match(selftests.testProgs, { ran: true }, `${name}: test_progs ran`);
      const compared = selftests.tests.filter((test) => test.testProgs);
      t.ok(compared.length >= 100, `${name}: ${compared.length} subtests compared with test_progs`);
      t.same(compared.filter((test) => !test.testProgs!.agrees).map((test) => test.id), [], `${name}: kptrlab and test_progs agree`);
    }
    t.match(run.stdout, /kernel tree selftests across kernels/);
  });
}
