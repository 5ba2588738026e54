// Unpacks archives into the cache exactly once: staging folder, completion marker, then an atomic rename.
import { access, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { acquireLock } from './lock.js';
import { runChild } from '../util/child.js';
import { KptrlabError } from '../util/errors.js';

const marker = '.kptrlab-unpacked';

/** True when `dir` holds a finished unpack. */
export async function isUnpacked(dir: string): Promise<boolean> {
  return access(join(dir, marker)).then(() => true, () => false);
}

/** Runs `fill(staging)` once for `dir`; a crash mid-way leaves only a staging folder that the next call replaces. */
export async function unpackOnce(dir: string, fill: (staging: string) => Promise<void>): Promise<void> {
  if (await isUnpacked(dir)) return;
  await mkdir(dirname(dir), { recursive: true });
  // Two runs unpacking the same archive: the second waits, then finds the first one's result.
  const lock = await acquireLock(`${dir}.unpack.lock`, 3_600_000);
  try {
    if (!(await isUnpacked(dir))) await fillAndRename(dir, fill);
  } finally {
    await lock.release();
  }
}

async function fillAndRename(dir: string, fill: (staging: string) => Promise<void>): Promise<void> {
  const staging = `${dir}.staging-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    await fill(staging);
    await writeFile(join(staging, marker), new Date().toISOString());
    await rm(dir, { recursive: true, force: true });
    await rename(staging, dir);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

/** Extracts a tarball (any compression tar understands) into `dest`. */
export async function extractTarball(tarball: string, dest: string): Promise<void> {
  await runChild('tar', ['-xf', tarball, '-C', dest], { stage: `unpack ${tarball}`, timeoutMs: 30 * 60_000 });
}

/** Extracts a .deb's files (not its maintainer scripts) into `dest`. */
export async function extractDeb(deb: string, dest: string): Promise<void> {
  await runChild('dpkg-deb', ['-x', deb, dest], { stage: `unpack ${deb}`, timeoutMs: 30 * 60_000 });
}

/** The single top-level folder of an unpacked archive (when `descend`), or `dir` itself; it must hold a kernel Makefile. */
export async function kernelTopDir(dir: string, descend = true): Promise<string> {
  const names = (await readdir(dir, { withFileTypes: true }).catch(() => [])).filter((e) => e.name !== marker);
  const only = descend && names.length === 1 && names[0]!.isDirectory() ? join(dir, names[0]!.name) : dir;
  const hasMakefile = await access(join(only, 'Makefile')).then(() => true, () => false);
  if (!hasMakefile) {
    throw new KptrlabError('SOURCE_NOT_KERNEL', `no kernel Makefile at the top of ${only}`, {
      hint: 'Point the source at a Linux source tree (a folder with Makefile, kernel/, arch/).',
      exitCode: 2,
    });
  }
  return only;
}
