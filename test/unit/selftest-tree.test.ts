// Reading the tree's prog_tests: RUN_TESTS callers, skeleton includes, test_progs output and its counterparts.
import t from 'tap';
import { counterpart, ourVerdict, parseTestProgsOutput, progTestsFor, testProgsMakeArgs } from '../../harness/selftests/test-progs.js';
import { runTestsCalls } from '../../harness/selftests/tree.js';

const RBTREE = `#include "rbtree.skel.h"
#include "rbtree_fail.skel.h"
void test_rbtree_success(void)
{
}
void test_rbtree_fail(void)
{
	RUN_TESTS(rbtree_fail);
}
static void test_local_kptr_stash_fail(void)
{
	RUN_TESTS(local_kptr_stash_fail);
}
`;

t.test('RUN_TESTS callers give the test_progs test name, static helpers too', async (t) => {
  const calls = runTestsCalls([RBTREE]);
  t.equal(calls.get('rbtree_fail'), 'rbtree_fail');
  t.equal(calls.get('local_kptr_stash_fail'), 'local_kptr_stash_fail');
  t.equal(calls.get('rbtree'), undefined, 'a skeleton-only file has no RUN_TESTS');
});

t.test('prog_tests kept for a selection pull in every skeleton they include', async (t) => {
  const kept = progTestsFor(new Map([['rbtree.c', RBTREE], ['other.c', '#include "other.skel.h"\n']]), new Set(['rbtree']));
  t.same(kept.files, ['rbtree.c']);
  t.same([...kept.stems].sort(), ['rbtree', 'rbtree_fail']);
});

const OUTPUT = `WARNING! Selftests relying on bpf_testmod.ko will be skipped.
libbpf: prog 'x': failed to load
#6/1     rbtree_btf_fail/rbtree_btf_fail__wrong_node_type:OK
#6       rbtree_btf_fail:OK
#7/3     rbtree_fail/rbtree_api_nolock_first:FAIL
#9/2     rbtree_search_kptr/rbtree_search_kptr_ref:SKIP
#1/20    linked_list/kptr_inner_map_incorrect_lock_push_front:FAIL
Summary: 1/44 PASSED, 0 SKIPPED, 12/200 FAILED
`;

t.test('test_progs result lines are parsed, log noise ignored', async (t) => {
  const verdicts = parseTestProgsOutput(OUTPUT);
  t.equal(verdicts.get('rbtree_btf_fail/rbtree_btf_fail__wrong_node_type'), 'OK');
  t.equal(verdicts.get('rbtree_btf_fail'), 'OK');
  t.equal(verdicts.get('rbtree_fail/rbtree_api_nolock_first'), 'FAIL');
  t.equal(verdicts.get('rbtree_search_kptr/rbtree_search_kptr_ref'), 'SKIP');
  t.equal(verdicts.size, 5);
});

t.test('counterparts: RUN_TESTS name, unique subtest, whole-object file name', async (t) => {
  const verdicts = parseTestProgsOutput(OUTPUT);
  t.equal(counterpart({ id: 'rbtree_fail/rbtree_api_nolock_first', file: 'rbtree_fail', program: 'rbtree_api_nolock_first', status: 'pass' }, 'rbtree_fail', verdicts), 'rbtree_fail/rbtree_api_nolock_first');
  t.equal(counterpart({ id: 'linked_list_fail/kptr_inner_map_incorrect_lock_push_front', file: 'linked_list_fail', program: 'kptr_inner_map_incorrect_lock_push_front', status: 'pass' }, undefined, verdicts), 'linked_list/kptr_inner_map_incorrect_lock_push_front');
  t.equal(counterpart({ id: 'rbtree_btf_fail__wrong_node_type/open_and_load', file: 'rbtree_btf_fail__wrong_node_type', program: null, status: 'pass' }, undefined, verdicts), 'rbtree_btf_fail/rbtree_btf_fail__wrong_node_type');
  t.equal(counterpart({ id: 'rbtree/open_and_load', file: 'rbtree', program: null, status: 'pass' }, undefined, verdicts), undefined);
  t.equal(ourVerdict('expected-fail'), 'FAIL', 'an expected failure still failed the tree expectation');
  t.equal(ourVerdict('unexpected-pass'), 'OK');
});

t.test('make arguments keep the build to test_progs', async (t) => {
  const args = testProgsMakeArgs('/out', '/vmlinux', '/usr/lib/llvm-19/bin');
  t.ok(args.includes('TEST_KMODS='), 'no bpf_testmod.ko');
  t.ok(args.includes('OUTPUT=/out'));
  t.ok(args.includes('VMLINUX_BTF=/vmlinux'));
});

t.test('an unprivileged subtest is compared with its own line, never the privileged one', async (t) => {
  const verdicts = parseTestProgsOutput('#1/1     f/p:OK\n#1/2     f/p @unpriv:SKIP\n');
  t.equal(counterpart({ id: 'f/p @unpriv', file: 'f', program: 'p', status: 'skip' }, 'f', verdicts), 'f/p @unpriv');
  t.equal(counterpart({ id: 'f/p', file: 'f', program: 'p', status: 'pass' }, 'f', verdicts), 'f/p');
});

t.test('a whole-object load falls back to the test of the same name, never a subtest by accident', async (t) => {
  const verdicts = parseTestProgsOutput('#1/1     linked_list/push_pop:OK\n#1       linked_list:OK\n#2/1     other/linked_list_peek:OK\n');
  t.equal(counterpart({ id: 'linked_list/open_and_load', file: 'linked_list', program: null, status: 'pass' }, undefined, verdicts), 'linked_list');
  t.equal(counterpart({ id: 'x/linked_list', file: 'x', program: 'linked_list', status: 'pass' }, undefined, verdicts), undefined, 'a program is never matched with a test line');
});
