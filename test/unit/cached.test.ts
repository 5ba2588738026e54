// The cached-artifact helper: build once then hit, one builder per key across processes, no half entries,
// damaged entries rebuilt, and gc of leftovers and old entries that spares whatever a live process holds.
import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { appendFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cached, checkEntry, entryPath, leftoverOf, MANIFEST, writeFileAtomic, type CacheKind } from '../../harness/util/cached.js';
import { gcKind, listKind } from '../../harness/util/cached-gc.js';
import { runCli } from '../helpers/cli.js';

const kind: CacheKind = { name: 'things', dir: 'things', expect: ['thing.txt'] };
const DAY_MS = 24 * 3_600_000;

function tempRoot(t: { teardown: (fn: () => void) => void }): string {
  const root = mkdtempSync(join(tmpdir(), 'kptrlab-cached-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  return root;
}

// A builder that counts its runs and writes the expected file.
function counter(text = 'made\n') {
  const state = { runs: 0 };
  const build = async (temp: string) => {
    state.runs += 1;
    await writeFile(join(temp, 'thing.txt'), text);
  };
  return { state, build };
}

// A pid that surely belongs to no process: a child that has exited.
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

t.test('builds once, then hits; the manifest records the sizes; nothing is left beside the entry', async (t) => {
  const root = tempRoot(t);
  const path = entryPath(kind, 'abc', root);
  t.equal(path, join(root, 'things', 'abc'), 'the path is <root>/<kind dir>/<name>, as the caches always spelled it');
  const { state, build } = counter();
  t.same(await cached(kind, path, build), { path, hit: false });
  t.same(await cached(kind, path, build), { path, hit: true });
  t.equal(state.runs, 1);
  t.same(JSON.parse(readFileSync(join(path, MANIFEST), 'utf8')).files, { 'thing.txt': 5 });
  t.same(readdirSync(join(root, 'things')), ['abc'], 'no temp folder or lock file left');
  // Failing path: a builder that forgets an expected file publishes nothing.
  const other = entryPath(kind, 'forgot', root);
  await t.rejects(cached(kind, other, async () => undefined), { code: 'CACHE_ENTRY_INCOMPLETE', message: /thing\.txt/ });
  t.notOk(existsSync(other));
});

t.test('file entries: the builder writes the temp file, the rename publishes it', async (t) => {
  const root = tempRoot(t);
  const files: CacheKind = { name: 'cpio', dir: 'cpio', shape: 'file' };
  const path = entryPath(files, 'x.cpio', root);
  t.same(await cached(files, path, (temp) => writeFile(temp, 'archive')), { path, hit: false });
  t.equal(readFileSync(path, 'utf8'), 'archive');
  t.same(await cached(files, path, () => Promise.reject(new Error('must not run'))), { path, hit: true });
  // Failing path: a builder that writes nothing.
  await t.rejects(cached(files, entryPath(files, 'y.cpio', root), async () => undefined), { code: 'CACHE_ENTRY_INCOMPLETE' });
});

t.test('concurrent builders of one key build once: in this process and across processes', async (t) => {
  const root = tempRoot(t);
  const path = entryPath(kind, 'shared', root);
  const { state, build } = counter();
  const slow = async (temp: string) => {
    await new Promise((resolve) => setTimeout(resolve, 200));
    await build(temp);
  };
  const results = await Promise.all([cached(kind, path, slow), cached(kind, path, slow), cached(kind, path, slow)]);
  t.equal(state.runs, 1, 'one build in this process');
  t.same(results.map((result) => result.hit).sort(), [false, true, true]);

  // Another process holds the lock while it builds; this one waits, then finds its entry.
  const log = join(root, 'builds.log');
  const other = entryPath(kind, 'across', root);
  const helper = new URL('../../harness/util/cached.js', import.meta.url).href;
  const script = `import { cached } from ${JSON.stringify(helper)};
import { appendFileSync, writeFileSync } from 'node:fs';
await cached(${JSON.stringify(kind)}, ${JSON.stringify(other)}, async (temp) => {
  appendFileSync(${JSON.stringify(log)}, 'child\\n');
  writeFileSync(${JSON.stringify(log)} + '.started', '');
  await new Promise((resolve) => setTimeout(resolve, 1500));
  writeFileSync(temp + '/thing.txt', 'from the child');
});`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'inherit' });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  for (let tries = 0; tries < 200 && !existsSync(`${log}.started`); tries += 1) await new Promise((resolve) => setTimeout(resolve, 50));
  const mine = await cached(kind, other, async (temp) => {
    await appendFile(log, 'parent\n');
    await writeFile(join(temp, 'thing.txt'), 'from the parent');
  });
  t.equal(await exited, 0);
  t.equal(mine.hit, true, 'the waiting process uses the entry the other one built');
  t.equal(readFileSync(log, 'utf8'), 'child\n', 'one build across both processes');
  t.equal(readFileSync(join(other, 'thing.txt'), 'utf8'), 'from the child');

  // Failing path: a live holder that does not let go within the wait is reported, not waited on forever.
  const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
  t.teardown(() => holder.kill('SIGKILL'));
  const busy = entryPath(kind, 'busy', root);
  writeFileSync(`${busy}.lock`, `${holder.pid}\n`);
  await t.rejects(cached(kind, busy, build, { lockWaitMs: 0 }), { code: 'LOCK_BUSY' });
  t.notOk(existsSync(busy));
});

t.test('a builder that throws leaves no entry, no temp and no lock', async (t) => {
  const root = tempRoot(t);
  const path = entryPath(kind, 'boom', root);
  let temp = '';
  const failing = async (dir: string) => {
    temp = dir;
    await writeFile(join(dir, 'thing.txt'), 'half');
    throw new Error('compiler crashed');
  };
  await t.rejects(cached(kind, path, failing), { message: 'compiler crashed' });
  t.match(leftoverOf(temp.split('/').pop()!), { entry: 'boom', pid: process.pid }, 'the temp path named the entry and this process');
  t.same(readdirSync(join(root, 'things')), [], 'nothing left in the kind folder');
  // The next try builds from scratch.
  const { state, build } = counter();
  t.same(await cached(kind, path, build), { path, hit: false });
  t.equal(state.runs, 1);
});

t.test('an entry that does not verify is rebuilt, not used; an old entry without a manifest is still used', async (t) => {
  const root = tempRoot(t);
  const path = entryPath(kind, 'k', root);
  const { state, build } = counter();
  await cached(kind, path, build);
  truncateSync(join(path, 'thing.txt'), 2);
  t.equal(await checkEntry(kind, path), 'thing.txt is 2 bytes, its manifest says 5');
  t.same(await cached(kind, path, build), { path, hit: false });
  t.equal(state.runs, 2);
  t.equal(readFileSync(join(path, 'thing.txt'), 'utf8'), 'made\n');

  // Made before manifests existed: its expected file is enough.
  const old = entryPath(kind, 'old', root);
  mkdirSync(old);
  writeFileSync(join(old, 'thing.txt'), 'old layout');
  t.equal(await checkEntry(kind, old), undefined);
  t.same(await cached(kind, old, build), { path: old, hit: true });
  // Failing path: without its expected file it is rebuilt.
  rmSync(join(old, 'thing.txt'));
  t.equal(await checkEntry(kind, old), 'thing.txt is missing');
  t.same(await cached(kind, old, build), { path: old, hit: false });

  // A kind's own verify (the kernel cache's marker) decides too.
  const picky: CacheKind = { ...kind, verify: async (dir) => (readFileSync(join(dir, 'thing.txt'), 'utf8') === 'good' ? undefined : 'not good') };
  const strict = entryPath(picky, 'p', root);
  await cached(picky, strict, async (temp) => writeFile(join(temp, 'thing.txt'), 'good'));
  writeFileSync(join(strict, 'thing.txt'), 'evil');
  t.equal(await checkEntry(picky, strict), 'not good');
});

t.test('gc: leftovers of dead processes go, a live one stays; entries by age; a locked entry is kept', async (t) => {
  const root = tempRoot(t);
  const folder = join(root, 'things');
  const dead = await deadPid();
  const now = Date.now();
  const { build } = counter();
  for (const name of ['fresh', 'old', 'locked-old']) await cached(kind, entryPath(kind, name, root), build);
  for (const name of ['old', 'locked-old']) utimesSync(join(folder, name), new Date(now - 40 * DAY_MS), new Date(now - 40 * DAY_MS));
  writeFileSync(join(folder, 'locked-old.lock'), `${process.pid}\n`);
  mkdirSync(join(folder, 'broken'));
  mkdirSync(join(folder, `gone.${dead}-1.tmp`));
  mkdirSync(join(folder, `gone.staging-${dead}`));
  writeFileSync(join(folder, 'gone.lock'), `${dead}\n`);
  mkdirSync(join(folder, `building.${process.pid}-7.tmp`));
  t.same((await listKind(kind, folder)).map((row) => [row.name, row.problem ?? 'ok', row.lockedBy ?? '-']), [
    ['broken', 'thing.txt is missing', '-'],
    ['fresh', 'ok', '-'],
    ['locked-old', 'ok', process.pid],
    ['old', 'ok', '-'],
  ]);

  const preview = await gcKind(kind, { olderThanDays: 30, dryRun: true, now }, folder);
  t.equal(readdirSync(folder).length, 9, 'a dry run removes nothing');
  const removed = await gcKind(kind, { olderThanDays: 30, now }, folder);
  t.same(removed.map((item) => item.path), preview.map((item) => item.path), 'the dry run said what gc then did');
  t.same(removed.map((item) => [item.path.slice(folder.length + 1), item.reason.replace(/[\d.]+ days/, 'N days')]).sort(), [
    ['broken', 'does not verify: thing.txt is missing'],
    [`gone.${dead}-1.tmp`, `left by process ${dead}, which is gone`],
    ['gone.lock', 'lock of a process that is gone'],
    [`gone.staging-${dead}`, `left by process ${dead}, which is gone`],
    ['old', 'unused for N days'],
  ]);
  t.ok(removed.every((item) => item.bytes > 0), 'each removal says how many bytes it freed');
  t.same(readdirSync(folder).sort(), [`building.${process.pid}-7.tmp`, 'fresh', 'locked-old', 'locked-old.lock'], 'live leftovers, fresh and locked entries stay');

  // Failing path: without an age rule an old entry that verifies is kept.
  utimesSync(join(folder, 'fresh'), new Date(now - 400 * DAY_MS), new Date(now - 400 * DAY_MS));
  t.same(await gcKind(kind, { now }, folder), []);
  t.ok(existsSync(join(folder, 'fresh')));
});

t.test('a hit marks the entry used, so the age rule counts from the last use', async (t) => {
  const root = tempRoot(t);
  const path = entryPath(kind, 'used', root);
  const { build } = counter();
  await cached(kind, path, build);
  utimesSync(path, new Date(Date.now() - 90 * DAY_MS), new Date(Date.now() - 90 * DAY_MS));
  await cached(kind, path, build);
  t.same(await gcKind(kind, { olderThanDays: 1 }, join(root, 'things')), []);
});

t.test('writeFileAtomic replaces a file whole and leaves no temp file', async (t) => {
  const root = tempRoot(t);
  const path = join(root, 'memo.json');
  await writeFileAtomic(path, 'one');
  await writeFileAtomic(path, 'two');
  t.equal(readFileSync(path, 'utf8'), 'two');
  t.same(readdirSync(root), ['memo.json']);
  // Failing path: a folder that does not exist is an error, and no temp file is left behind.
  await t.rejects(writeFileAtomic(join(root, 'missing', 'memo.json'), 'x'), { code: 'ENOENT' });
});

t.test('leftover names: temp paths, older staging folders and locks, nothing else', async (t) => {
  t.same(leftoverOf('x86_64-abc.123-4.tmp'), { entry: 'x86_64-abc', pid: 123 });
  t.same(leftoverOf('1.8.0-x64-key.77.tmp'), { entry: '1.8.0-x64-key', pid: 77 }, 'the older form without a counter');
  t.same(leftoverOf('.fresh-bookworm-k.99.tmp.tar'), { entry: '.fresh-bookworm-k', pid: 99 });
  t.same(leftoverOf('deb-1814.staging-5'), { entry: 'deb-1814', pid: 5 });
  t.same(leftoverOf('deb-1814.unpack.lock'), { entry: 'deb-1814' });
  t.same(leftoverOf('x86_64-abc.lock'), { entry: 'x86_64-abc' });
  for (const name of ['x86_64-abc', 'linux-source-7.3_7.3.4-1~bpo13+1_all.deb', 'agent-bench-1796316663252-1956.log', 'arm64-5.tmpl']) {
    t.equal(leftoverOf(name), undefined, `${name} is not a leftover`);
  }
});

t.test('kptrlab cache list and gc --dry-run on a temp cache', async (t) => {
  const root = tempRoot(t);
  const dead = await deadPid();
  mkdirSync(join(root, 'vmlinux-h', 'aaaa'), { recursive: true });
  writeFileSync(join(root, 'vmlinux-h', 'aaaa', 'vmlinux.h'), 'struct x;\n');
  mkdirSync(join(root, 'vmlinux-h', 'bbbb'));
  mkdirSync(join(root, 'libbpf', `1.8.0-x64-k.${dead}.tmp`), { recursive: true });
  const env = { KPTRLAB_CACHE: root };
  const list = await runCli(['cache', 'list', '--entries'], { env });
  t.equal(list.exitCode, 0, list.stderr);
  t.match(list.stdout, /vmlinux-h\s+2\s+1\s/);
  t.match(list.stdout, /vmlinux-h {2}bbbb .* BROKEN \(vmlinux\.h is missing\)/);
  const preview = await runCli(['cache', 'gc', '--dry-run'], { env });
  t.equal(preview.exitCode, 0, preview.stderr);
  t.match(preview.stdout, /would remove \S+\/vmlinux-h\/bbbb .*does not verify/);
  t.match(preview.stdout, new RegExp(`would remove \\S+/libbpf/1\\.8\\.0-x64-k\\.${dead}\\.tmp .*left by process ${dead}`));
  t.match(preview.stdout, /would free .* in 2 path\(s\)/);
  t.ok(existsSync(join(root, 'vmlinux-h', 'bbbb')), 'a dry run removes nothing');
  const gc = await runCli(['cache', 'gc'], { env });
  t.match(gc.stdout, /freed .* in 2 path\(s\)/);
  t.same(readdirSync(join(root, 'vmlinux-h')), ['aaaa']);
  // Failing path: a bad --older-than is a usage error.
  t.match(await runCli(['cache', 'gc', '--older-than', 'soon'], { env }), { exitCode: 2, stderr: /--older-than takes a number of days, got "soon"/ });
  t.match(await runCli(['cache', 'prune'], { env }), { exitCode: 2, stderr: /unknown subcommand "prune"/ });
});
