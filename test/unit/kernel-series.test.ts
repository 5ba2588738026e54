import t from 'tap';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyOps, parsePatchFailure, touchedFiles, hashOps } from '../../harness/kernel/series.js';
import { KptrlabError } from '../../harness/util/errors.js';
import { switchSeries } from '../../harness/kernel/worktree.js';

const original = ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'].join('\n') + '\n';
const patchText = `--- a/src/file.c
+++ b/src/file.c
@@ -2,4 +2,5 @@
 two
 three
+three-and-a-half
 four
 five
@@ -7,4 +8,4 @@
 seven
 eight
-nine
+NINE
 ten
`;

async function fixture(t: { teardown: (fn: () => unknown) => void }) {
  const dir = await mkdtemp(join(tmpdir(), 'kptrlab-series-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'tree/src'), { recursive: true });
  await mkdir(join(dir, 'pristine/src'), { recursive: true });
  await writeFile(join(dir, 'tree/src/file.c'), original);
  await writeFile(join(dir, 'pristine/src/file.c'), original);
  await writeFile(join(dir, '0001-change.patch'), patchText);
  return { dir, tree: join(dir, 'tree'), patch: join(dir, '0001-change.patch') };
}

t.test('touchedFiles strips the a/ b/ prefixes', async (t) => {
  t.same(touchedFiles(patchText), ['src/file.c']);
});

t.test('a patch applies and reverse-applies', async (t) => {
  const { tree, patch } = await fixture(t);
  await applyOps(tree, [{ patch, reverse: false }]);
  t.match(await readFile(join(tree, 'src/file.c'), 'utf8'), /three-and-a-half\nfour[\s\S]*NINE/);
  await applyOps(tree, [{ patch, reverse: true }]);
  t.equal(await readFile(join(tree, 'src/file.c'), 'utf8'), original);
});

t.test('a patch that does not apply names the patch, file and hunk, and leaves the tree alone', async (t) => {
  const { tree, patch } = await fixture(t);
  const changed = original.replace('nine', 'nueve');
  await writeFile(join(tree, 'src/file.c'), changed);
  const error = await applyOps(tree, [{ patch, reverse: false }]).then(() => undefined, (e: unknown) => e);
  t.ok(error instanceof KptrlabError);
  const e = error as KptrlabError;
  t.equal(e.code, 'SERIES_PATCH_FAILED');
  t.match(e.message, /0001-change\.patch/);
  t.match(e.message, /src\/file\.c/);
  t.match(e.message, /hunk #2/);
  t.match(e.hint ?? '', /Refresh 0001-change\.patch/);
  t.equal(await readFile(join(tree, 'src/file.c'), 'utf8'), changed, 'dry run first: hunk #1 was not applied');
});

t.test('reverse-applying a patch that is not applied fails clearly', async (t) => {
  const { tree, patch } = await fixture(t);
  const error = (await applyOps(tree, [{ patch, reverse: true }]).catch((e: unknown) => e)) as KptrlabError;
  t.equal(error.code, 'SERIES_PATCH_FAILED');
  t.match(error.message, /does not reverse-apply: src\/file\.c/);
});

t.test('parsePatchFailure reads GNU patch output', async (t) => {
  const out = 'checking file kernel/bpf/verifier.c\nHunk #1 succeeded at 8207.\nHunk #2 FAILED at 8440.\n1 out of 2 hunks FAILED\n';
  const failure = parsePatchFailure(out);
  t.equal(failure.file, 'kernel/bpf/verifier.c');
  t.same(failure.hunks, ['hunk #2 (at line 8440)']);
});

t.test('switchSeries moves a tree between variants and repairs a dirty state', async (t) => {
  const { dir, tree, patch } = await fixture(t);
  const ops = await hashOps([{ patch, reverse: false }]);
  t.equal(await switchSeries(tree, join(dir, 'pristine'), ops), 'switched');
  t.equal(await switchSeries(tree, join(dir, 'pristine'), ops), 'unchanged');
  t.match(await readFile(join(tree, 'src/file.c'), 'utf8'), /NINE/);
  // A run killed mid-switch leaves a dirty state: the next switch restores from pristine first.
  await writeFile(join(tree, '.kptrlab-series.json'), JSON.stringify({ clean: false, ops: [], files: ['src/file.c'] }));
  await writeFile(join(tree, 'src/file.c'), 'garbage\n');
  t.equal(await switchSeries(tree, join(dir, 'pristine'), []), 'switched');
  t.equal(await readFile(join(tree, 'src/file.c'), 'utf8'), original);
});

t.test('after a killed make, half-written outputs go and completed objects stay', async (t) => {
  const { tree } = await fixture(t);
  const { beginCompile, repairInterruptedCompile } = await import('../../harness/kernel/worktree.js');
  const { utimes, access } = await import('node:fs/promises');
  const at = (s: number) => new Date(Date.now() + s * 1000);
  await writeFile(join(tree, 'old.o'), 'old');
  await utimes(join(tree, 'old.o'), at(-100), at(-100));
  await beginCompile(tree);
  await utimes(join(tree, '.kptrlab-compiling'), at(-50), at(-50));
  for (const [name, age] of [['done.o', -40], ['.done.o.cmd', -39], ['half.o', -30], ['.half.o.cmd', -200], ['nocmd.o', -20], ['vmlinux', -10]] as const) {
    await writeFile(join(tree, name), name);
    await utimes(join(tree, name), at(age), at(age));
  }
  t.equal(await repairInterruptedCompile(tree), true);
  const exists = (name: string) => access(join(tree, name)).then(() => true, () => false);
  t.same(
    await Promise.all(['old.o', 'done.o', 'half.o', 'nocmd.o', 'vmlinux', '.kptrlab-compiling'].map(exists)),
    [true, true, false, false, false, false],
  );
  t.equal(await repairInterruptedCompile(tree), false, 'nothing to repair once the mark is gone');
});
