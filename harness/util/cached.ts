// The one way a cache entry is made: a fixed path per key, a lock per entry, a build into a temp path renamed
// into place (readers never see half an entry), and a check before use so a damaged entry is rebuilt.
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, rename, stat, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { KptrlabError } from './errors.js';
import { addExitHook } from './lifecycle.js';
import { acquireLock } from './lock.js';
import { cacheRoot } from './paths.js';

/** One kind of cached artifact: where its entries live and what a whole entry holds. */
export interface CacheKind {
  /** Shown by `kptrlab cache list` ('kernels', 'selftests/bpftool'). */
  name: string;
  /** Folder under the cache root that holds the entries. */
  dir: string;
  /** Which names in `dir` are entries of this kind (several kinds share 'selftests'); default: every name. */
  match?: RegExp;
  /** Folder levels below `dir` where entries sit ('test_progs-<key>/src' is 2); default 1. */
  depth?: number;
  /** Entries are folders (default) or single files. */
  shape?: 'dir' | 'file';
  /** Paths every entry of a folder kind holds; their sizes go into the entry's manifest. */
  expect?: readonly string[];
  /** Further check of an entry: why it is bad, or undefined when it is good. */
  verify?: (path: string) => Promise<string | undefined>;
  /** Files kept beside an entry that go with it (a .deb's .sha256). */
  companions?: (path: string) => string[];
}

/** Per-use additions to a kind's rules. */
export interface CachedOptions {
  /** Paths this entry holds besides the kind's own (an object named after its source). */
  expect?: readonly string[];
  /** Replaces the kind's verify for this use (the kernel cache re-hashes on use, checks sizes in gc). */
  verify?: (path: string) => Promise<string | undefined>;
  /** Lock held while building (default <entry>.lock; the kernel cache locks its shared build tree). */
  lockPath?: string;
  lockWaitMs?: number;
  onLockWait?: (holderPid: number) => void;
}

/** An entry ready to use; `hit` is false when this call built it. */
export interface CachedEntry {
  path: string;
  hit: boolean;
}

/** File in a folder entry recording the sizes of its expected files, written last. */
export const MANIFEST = '.kptrlab-cache.json';

interface Manifest {
  builtAt: string;
  files: Record<string, number>;
}

/** The entry's path: <cache root>/<kind dir>/<name>; the name is the caller's key, spelled as the cache always has. */
export function entryPath(kind: CacheKind, name: string, root: string = cacheRoot()): string {
  return join(root, kind.dir, name);
}

let tempCount = 0;

/** A fresh temp path beside `path`: same filesystem, so the final rename is atomic; gc reads the pid from it. */
export function tempPath(path: string): string {
  tempCount += 1;
  return `${path}.${process.pid}-${tempCount}.tmp`;
}

/** What a leftover's name says: the entry it was for and the process that left it (none for a lock file). */
export function leftoverOf(name: string): { entry: string; pid?: number } | undefined {
  // <entry>.<pid>[-<n>].tmp[.ext]: temp paths, the older ones without -<n>, the fresh-image script's .tmp.tar.
  const temp = /^(.+)\.(\d+)(?:-\d+)?\.tmp(?:\.\w+)?$/.exec(name);
  if (temp) return { entry: temp[1]!, pid: Number(temp[2]) };
  // <entry>.staging-<pid>: the older unpack staging folders.
  const staging = /^(.+)\.staging-(\d+)$/.exec(name);
  if (staging) return { entry: staging[1]!, pid: Number(staging[2]) };
  const lock = /^(.+?)(?:\.unpack)?\.lock$/.exec(name);
  return lock ? { entry: lock[1]! } : undefined;
}

const building = new Map<string, Promise<CachedEntry>>();

/** The entry at `path`, made by `build(temp)` under the entry's lock on a miss and renamed into place when whole. */
export function cached(kind: CacheKind, path: string, build: (temp: string) => Promise<void>, options: CachedOptions = {}): Promise<CachedEntry> {
  const running = building.get(path);
  // A second caller in this process waits for the first build instead of tripping over its own lock.
  if (running) return running.catch(() => undefined).then(() => cached(kind, path, build, options));
  const work = lookupOrBuild(kind, path, build, options).finally(() => building.delete(path));
  building.set(path, work);
  return work;
}

async function lookupOrBuild(kind: CacheKind, path: string, build: (temp: string) => Promise<void>, options: CachedOptions): Promise<CachedEntry> {
  if ((await checkEntry(kind, path, options)) === undefined) return used(path);
  await mkdir(dirname(path), { recursive: true });
  const lock = await acquireLock(options.lockPath ?? `${path}.lock`, options.lockWaitMs ?? 3_600_000, options.onLockWait);
  try {
    // Another process may have built it while we waited for the lock.
    if ((await checkEntry(kind, path, options)) === undefined) return used(path);
    const temp = tempPath(path);
    // Ctrl-C or a crash: the exit hook removes the half-built entry (never through a mount left inside).
    const untrack = addExitHook(() => removeUnlessMounted(temp));
    try {
      if (kind.shape !== 'file') await mkdir(temp);
      await build(temp);
      if (kind.shape === 'file') {
        if (!existsSync(temp)) throw incomplete(path, 'the file');
      } else {
        await writeManifest(temp, path, [...(kind.expect ?? []), ...(options.expect ?? [])]);
      }
      publish(temp, path);
    } catch (error) {
      removeUnlessMounted(temp);
      throw error;
    } finally {
      untrack();
    }
    return { path, hit: false };
  } finally {
    await lock.release();
  }
}

/** Why the entry at `path` cannot be used ('missing' when there is none), or undefined when it is whole. */
export async function checkEntry(kind: CacheKind, path: string, options: Pick<CachedOptions, 'expect' | 'verify'> = {}): Promise<string | undefined> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return 'missing';
  if (info.isFile() !== (kind.shape === 'file')) return `not a ${kind.shape === 'file' ? 'file' : 'folder'}`;
  if (kind.shape !== 'file') {
    // Entries made before manifests existed are checked by their expected files alone.
    const recorded = (await readManifest(path))?.files ?? {};
    for (const name of new Set([...(kind.expect ?? []), ...(options.expect ?? []), ...Object.keys(recorded)])) {
      const found = await stat(join(path, name)).catch(() => undefined);
      if (!found) return `${name} is missing`;
      const want = recorded[name];
      if (want !== undefined && found.isFile() && found.size !== want) return `${name} is ${found.size} bytes, its manifest says ${want}`;
    }
  }
  return (options.verify ?? kind.verify)?.(path);
}

/** Marks an entry as just used (gc's age rule reads this); a read-only cache is fine. */
export async function markUsed(path: string): Promise<void> {
  const now = new Date();
  await utimes(path, now, now).catch(() => undefined);
}

async function used(path: string): Promise<CachedEntry> {
  await markUsed(path);
  return { path, hit: true };
}

async function writeManifest(temp: string, path: string, expect: readonly string[]): Promise<void> {
  if (expect.length === 0) return;
  const files: Record<string, number> = {};
  for (const name of expect) {
    const info = await stat(join(temp, name)).catch(() => undefined);
    if (!info) throw incomplete(path, name);
    // Folder sizes change with their content; only files are recorded.
    if (info.isFile()) files[name] = info.size;
  }
  const manifest: Manifest = { builtAt: new Date().toISOString(), files };
  await writeFile(join(temp, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
}

async function readManifest(path: string): Promise<Manifest | undefined> {
  try {
    const data = JSON.parse(await readFile(join(path, MANIFEST), 'utf8')) as Manifest;
    return typeof data.files === 'object' && data.files !== null ? data : undefined;
  } catch {
    return undefined;
  }
}

function incomplete(path: string, what: string): KptrlabError {
  return new KptrlabError('CACHE_ENTRY_INCOMPLETE', `the build of ${path} made no ${what}`, { hint: 'This is a kptrlab bug: report it with the command line.' });
}

function publish(temp: string, path: string): void {
  try {
    renameSync(temp, path);
    return;
  } catch (error) {
    if (!['ENOTEMPTY', 'EEXIST', 'EISDIR', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
  }
  // An older, broken entry is in the way: rename cannot replace a non-empty folder.
  if (!removeUnlessMounted(path)) throw new KptrlabError('CACHE_MOUNTED', `${path} has mounts inside and cannot be replaced`, { hint: `umount -R ${path}, then run again.` });
  renameSync(temp, path);
}

/** Replaces `path` with `data` atomically (temp file + rename): a reader sees the old or the new content. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode?: number): Promise<void> {
  const temp = tempPath(path);
  try {
    await writeFile(temp, data, { mode });
    await rename(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

/** writeFileAtomic for callers that cannot wait (memos written from a synchronous callback). */
export function writeFileAtomicSync(path: string, data: string | Uint8Array, mode?: number): void {
  const temp = tempPath(path);
  try {
    writeFileSync(temp, data, { mode });
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

/** Removes a file or folder, but never one with a mount inside (a killed mmdebstrap may leave /dev or /proc bound there). */
export function removeUnlessMounted(path: string, mounts: readonly string[] = readMounts()): boolean {
  if (mounts.some((point) => point === path || point.startsWith(`${path}/`))) return false;
  rmSync(path, { recursive: true, force: true });
  return true;
}

function readMounts(): string[] {
  const text = existsSync('/proc/self/mounts') ? readFileSync('/proc/self/mounts', 'utf8') : '';
  // Mount points are the second field, with spaces written as \040.
  return text.split('\n').map((line) => (line.split(' ')[1] ?? '').replaceAll('\\040', ' ')).filter(Boolean);
}
