// Unpacks archives into the cache exactly once: a temp folder, a completion marker, then an atomic rename.
import { access, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cached, type CacheKind } from '../util/cached.js';
import { runChild } from '../util/child.js';
import { KptrlabError } from '../util/errors.js';

const marker = '.kptrlab-unpacked';

/** Unpacked source trees (the kernel cache's build trees share the layout): the marker is written last. */
export const unpackedSources: CacheKind = { name: 'sources/trees', dir: join('sources', 'trees'), expect: [marker] };

/** Runs `fill(staging)` once for `dir`; a crash mid-way leaves only a temp folder, which gc removes. */
export async function unpackOnce(dir: string, fill: (staging: string) => Promise<void>): Promise<void> {
  const fillAndMark = async (staging: string) => {
    await fill(staging);
    await writeFile(join(staging, marker), new Date().toISOString());
  };
  // A lock of its own: a kernel build holds <tree>.lock while it unpacks that tree.
  await cached(unpackedSources, dir, fillAndMark, { lockPath: `${dir}.unpack.lock` });
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
