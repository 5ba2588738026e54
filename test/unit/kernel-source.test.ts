import t from 'tap';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveSource } from '../../harness/kernel/source.js';
import { runChild } from '../../harness/util/child.js';

// A tiny "kernel" (a Makefile and one source file) in a temp folder, with the cache redirected there too.
async function setup(t: { teardown: (fn: () => unknown) => void }) {
  const root = await mkdtemp(join(tmpdir(), 'kptrlab-source-'));
  const saved = process.env.KPTRLAB_CACHE;
  process.env.KPTRLAB_CACHE = join(root, 'cache');
  t.teardown(async () => {
    if (saved === undefined) delete process.env.KPTRLAB_CACHE;
    else process.env.KPTRLAB_CACHE = saved;
    await rm(root, { recursive: true, force: true });
  });
  const tree = join(root, 'linux');
  await mkdir(join(tree, 'kernel/bpf'), { recursive: true });
  await writeFile(join(tree, 'Makefile'), 'all:\n');
  await writeFile(join(tree, 'kernel/bpf/verifier.c'), 'int x;\n');
  return { root, tree };
}

t.test('dir: the id is a content hash that follows the files', async (t) => {
  const { tree } = await setup(t);
  const first = await resolveSource({ kind: 'dir', path: tree });
  t.match(first.id, /^dir:[0-9a-f]{64}$/);
  t.equal((await resolveSource({ kind: 'dir', path: tree })).id, first.id);
  await writeFile(join(tree, 'kernel/bpf/verifier.c'), 'int y;\n');
  t.not((await resolveSource({ kind: 'dir', path: tree })).id, first.id);
});

t.test('dir: a folder without a kernel Makefile is refused', async (t) => {
  const { root } = await setup(t);
  await t.rejects(resolveSource({ kind: 'dir', path: root }), { code: 'SOURCE_NOT_KERNEL' });
});

t.test('tarball: unpacked once into the cache, id from its sha256', async (t) => {
  const { root, tree } = await setup(t);
  const tarball = join(root, 'linux.tar.gz');
  await runChild('tar', ['-czf', tarball, '-C', root, 'linux'], { stage: 'tar' });
  const resolved = await resolveSource({ kind: 'tarball', path: tarball });
  t.match(resolved.id, /^tarball:sha256:[0-9a-f]{64}$/);
  t.equal(await readFile(join(resolved.tree, 'kernel/bpf/verifier.c'), 'utf8'), await readFile(join(tree, 'kernel/bpf/verifier.c'), 'utf8'));
  t.equal((await resolveSource({ kind: 'tarball', path: tarball })).tree, resolved.tree);
  await t.rejects(resolveSource({ kind: 'tarball', path: join(root, 'missing.tar') }), { code: 'SOURCE_MISSING' });
});

t.test('git: a ref resolves to its commit and is exported', async (t) => {
  const { tree } = await setup(t);
  const git = (...args: string[]) => runChild('git', ['-C', tree, ...args], { stage: 'git', env: { GIT_AUTHOR_NAME: 'k', GIT_AUTHOR_EMAIL: 'k@example.org', GIT_COMMITTER_NAME: 'k', GIT_COMMITTER_EMAIL: 'k@example.org' } });
  await git('init', '--quiet', '-b', 'main');
  await git('add', '.');
  await git('commit', '--quiet', '-m', 'tiny');
  const commit = (await git('rev-parse', 'HEAD')).stdout.trim();
  const resolved = await resolveSource({ kind: 'git', url: tree, ref: 'main' });
  t.equal(resolved.id, `git:${commit}`);
  t.equal(await readFile(join(resolved.tree, 'Makefile'), 'utf8'), 'all:\n');
});
