// A kernel's own selftests: the selftests part of its patches applied to a copy of the selftests folder, the rest of
// the pristine tree linked; a patch without such a part leaves the pristine tree; a part that does not apply is refused.
import t from 'tap';
import { existsSync, lstatSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveSource } from '../../harness/kernel/source.js';
import { bindingLibbpfSource } from '../../harness/kernel/binding-libbpf.js';
import { selftestSource } from '../../harness/selftests/overlay.js';
import { SELFTESTS_DIR } from '../../harness/selftests/tree.js';
import { cacheRoot, projectPath } from '../../harness/util/paths.js';
import { scratchDir } from '../helpers/scratch.js';

const addsTest = projectPath('test', 'fixtures', 'premerge', '0003-selftests-add-first-kptr-xchg-locked.patch');
const verifierOnly = projectPath('config', 'patches', 'kptr-nonown', '0001-bpf-allow-kptr_xchg-under-lock.patch');
const progs = (tree: string) => join(tree, SELFTESTS_DIR, 'progs', 'rbtree_search_kptr.c');

t.test("the selftests tree of a kernel whose patches add a test", async (t) => {
  const pristine = await resolveSource(bindingLibbpfSource());
  const untouched = await selftestSource(pristine, [{ patch: verifierOnly, reverse: true }]);
  t.equal(untouched.tree, pristine.tree, 'a verifier.c-only variant (the A/B base) tests the pristine tree');
  t.same(untouched.patches, []);

  const ops = [{ patch: verifierOnly, reverse: false }, { patch: addsTest, reverse: false }];
  const overlay = await selftestSource(pristine, ops);
  t.not(overlay.tree, pristine.tree);
  t.same(overlay.patches, ['0003-selftests-add-first-kptr-xchg-locked.patch'], 'only the patch with a selftests part is named');
  t.match(overlay.describe, /linux-source-7\.3.* \+ the selftests part of 0003-selftests-add-first-kptr-xchg-locked\.patch/);
  t.match(readFileSync(progs(overlay.tree), 'utf8'), /long rbtree_first_kptr_xchg_locked\(void \*ctx\)/, 'the new test is in the kernel\'s tree');
  t.notMatch(readFileSync(progs(pristine.tree), 'utf8'), /rbtree_first_kptr_xchg_locked/, 'the pristine tree is untouched');
  t.ok(lstatSync(join(overlay.tree, 'kernel')).isSymbolicLink(), 'the kernel sources are linked, not copied');
  t.ok(lstatSync(join(overlay.tree, 'tools', 'lib')).isSymbolicLink(), 'so is the rest of tools/');
  t.notOk(lstatSync(join(overlay.tree, SELFTESTS_DIR)).isSymbolicLink(), 'the selftests folder is a copy');
  t.ok(existsSync(join(overlay.tree, 'tools', 'testing', 'selftests', 'bpf', 'prog_tests', 'rbtree.c')), 'with all its files');
  t.equal(readFileSync(join(overlay.tree, 'kernel', 'bpf', 'verifier.c'), 'utf8'), readFileSync(join(pristine.tree, 'kernel', 'bpf', 'verifier.c'), 'utf8'), "verifier.c stays the pristine one (the kernel's own build applies it)");
  const again = await selftestSource(pristine, ops);
  t.same(again, overlay, 'the same patches: the same cached tree');
  const reversed = await selftestSource(pristine, [{ patch: addsTest, reverse: false }, { patch: addsTest, reverse: true }]);
  t.notMatch(readFileSync(progs(reversed.tree), 'utf8'), /rbtree_first_kptr_xchg_locked/, 'applied then reversed: gone again');
  t.not(reversed.tree, overlay.tree, 'another key for another series');
});

t.test('a selftests part that does not apply is refused, naming the patch and file, and leaves no entry', async (t) => {
  const pristine = await resolveSource(bindingLibbpfSource());
  const dir = scratchDir('kptrlab-overlay-');
  const broken = join(dir, '0009-broken-context.patch');
  // The same hunk with a context line that is not in the tree.
  writeFileSync(broken, readFileSync(addsTest, 'utf8').replace(' \treturn 0;\n }\n \n+SEC', ' \treturn 42;\n }\n \n+SEC'));
  const before = readdirSync(join(cacheRoot(), 'selftests')).filter((name) => name.startsWith('overlay-'));
  await t.rejects(selftestSource(pristine, [{ patch: broken, reverse: false }]), { code: 'SERIES_PATCH_FAILED', message: /0009-broken-context\.patch does not apply: tools\/testing\/selftests\/bpf\/progs\/rbtree_search_kptr\.c, hunk #1/ });
  const after = readdirSync(join(cacheRoot(), 'selftests')).filter((name) => name.startsWith('overlay-'));
  t.same(after.filter((name) => !name.includes('.')), before.filter((name) => !name.includes('.')), 'no overlay entry was made');
});
