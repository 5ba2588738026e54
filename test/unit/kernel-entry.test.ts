import t from 'tap';
import { mkdtemp, rm, writeFile, truncate, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { entryFiles, entryNames, verifyEntry, writeMarker } from '../../harness/kernel/entry.js';
import { acquireLock } from '../../harness/util/lock.js';
import { collectGarbage } from '../../harness/kernel/cache-admin.js';
import { KptrlabError } from '../../harness/util/errors.js';

async function tempDir(t: { teardown: (fn: () => unknown) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kptrlab-entry-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function fakeEntry(dir: string, key: string): Promise<void> {
  for (const name of [entryFiles.image, entryFiles.vmlinux, entryFiles.config, entryFiles.meta]) await writeFile(join(dir, name), `${name} of ${key}\n`);
  await writeMarker(dir, key);
}

t.test('an entry with its marker verifies; without it, it does not', async (t) => {
  const dir = await tempDir(t);
  for (const name of [entryFiles.image, entryFiles.vmlinux, entryFiles.config, entryFiles.meta]) await writeFile(join(dir, name), 'x');
  t.match(await verifyEntry(dir, 'k1'), { ok: false, reason: /no completion marker/ });
  await writeMarker(dir, 'k1');
  t.match(await verifyEntry(dir, 'k1'), { ok: true });
  t.match(await verifyEntry(dir, 'k2'), { ok: false, reason: /names key k1/ });
});

t.test('a truncated or altered artifact is detected', async (t) => {
  const dir = await tempDir(t);
  await fakeEntry(dir, 'k');
  await truncate(join(dir, entryFiles.vmlinux), 3);
  t.match(await verifyEntry(dir, 'k', true), { ok: false, reason: /vmlinux is 3 bytes/ });
  await fakeEntry(dir, 'k');
  const text = await readFile(join(dir, entryFiles.image), 'utf8');
  await writeFile(join(dir, entryFiles.image), text.replace('i', 'I'));
  t.match(await verifyEntry(dir, 'k', true), { ok: true }, 'same size passes the quick check');
  t.match(await verifyEntry(dir, 'k'), { ok: false, reason: /image does not match/ });
});

t.test('a lock held by a dead process is taken over; a live holder makes us wait, then fail clearly', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'tree.lock');
  const dead = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => dead.on('exit', resolve));
  await writeFile(path, `${dead.pid}\n`);
  const lock = await acquireLock(path, 0);
  t.equal(Number.parseInt(await readFile(path, 'utf8'), 10), process.pid);
  t.match(await acquireLock(path, 0).catch((e: unknown) => e), { code: 'LOCK_REENTRANT' }, 'waiting on ourselves fails at once');
  await lock.release();
  const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
  t.teardown(() => holder.kill('SIGKILL'));
  await writeFile(path, `${holder.pid}\n`);
  const waited: number[] = [];
  const error = await acquireLock(path, 1500, (pid) => waited.push(pid)).catch((e: unknown) => e);
  t.ok(error instanceof KptrlabError && error.code === 'LOCK_BUSY');
  t.same(waited, [holder.pid], 'the wait is reported once with the holder pid');
  holder.kill('SIGKILL');
  await new Promise((resolve) => holder.on('exit', resolve));
  const again = await acquireLock(path, 0);
  await again.release();
});

t.test('gc removes broken entries and leftovers of dead runs, keeps good ones', async (t) => {
  const root = await tempDir(t);
  const { mkdir } = await import('node:fs/promises');
  await mkdir(join(root, 'good'));
  await fakeEntry(join(root, 'good'), 'good');
  await mkdir(join(root, 'half'));
  await writeFile(join(root, 'half', entryFiles.image), 'x');
  await mkdir(join(root, '.staging', 'k-999999999'), { recursive: true });
  await mkdir(join(root, '.staging', `k-${process.pid}`), { recursive: true });
  // Builds now happen in <key>.<pid>-<n>.tmp beside the entries.
  await mkdir(join(root, 'good.999999999-1.tmp'));
  await mkdir(join(root, `good.${process.pid}-1.tmp`));
  t.same(await entryNames(root), ['good', 'half'], 'temp folders are not entries');
  const preview = await collectGarbage(root, { dryRun: true });
  t.ok(existsSync(join(root, 'half')), 'a dry run removes nothing');
  const report = await collectGarbage(root);
  t.same(report.removed, preview.removed, 'the dry run said what gc then did');
  t.equal(report.kept, 1);
  t.ok(report.removed.includes(join(root, 'half')));
  t.ok(report.removed.includes(join(root, '.staging', 'k-999999999')));
  t.ok(report.removed.includes(join(root, 'good.999999999-1.tmp')));
  t.notOk(report.removed.includes(join(root, '.staging', `k-${process.pid}`)), 'a live builder keeps its staging folder');
  t.ok(existsSync(join(root, `good.${process.pid}-1.tmp`)), 'and its temp folder');
});
