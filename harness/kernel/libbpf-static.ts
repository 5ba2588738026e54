// Builds a kernel tree's tools/lib/bpf into a static, position-independent libbpf (headers + libbpf.a), once per tree and arch.
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ARCH_NAMES } from '../util/arch.js';
import { cached, entryPath, type CacheKind } from '../util/cached.js';
import { runChild } from '../util/child.js';
import { KptrlabError } from '../util/errors.js';
import { hashParts } from '../util/hash.js';
import { compareVersions } from '../util/version.js';

/** A built libbpf: `include/bpf/*.h` and `lib/libbpf.a` under `prefix`. */
export interface StaticLibbpf {
  prefix: string;
  include: string;
  archive: string;
  /** x.y.z from the tree's libbpf.map (the newest LIBBPF_x.y.z version node). */
  version: string;
  /** Where it came from, for doctor and results. */
  source: string;
}

/** Which machine the archive is for; arm64 is cross-compiled here with the image's libelf/zlib headers. */
export type LibbpfTarget = { arch: 'host' } | { arch: 'arm64'; sysroot: string };

const UAPI_HEADERS = ['bpf.h', 'bpf_common.h', 'btf.h'];

/** Static libbpf builds: <version>-<node arch>-<key>/ with include/, lib/libbpf.a and meta.json. */
export const libbpfCache: CacheKind = { name: 'libbpf', dir: 'libbpf', expect: ['meta.json', join('lib', 'libbpf.a')] };

// Bump when the build steps change in a way the tree id does not show.
const BUILDER_VERSION = 'libbpf-static-v1';

/** The libbpf version a tree carries, read from tools/lib/bpf/libbpf.map as libbpf's Makefile does. */
export function treeLibbpfVersion(tree: string): string {
  const map = join(tree, 'tools', 'lib', 'bpf', 'libbpf.map');
  if (!existsSync(map)) {
    throw new KptrlabError('LIBBPF_SOURCE', `${tree} has no tools/lib/bpf/libbpf.map`, { hint: 'Use a Linux source tree of 5.x or newer (libbpf lives in tools/lib/bpf).', exitCode: 2 });
  }
  return newestVersionNode(readFileSync(map, 'utf8'), map);
}

/** Highest LIBBPF_x.y.z node of a libbpf.map text. */
export function newestVersionNode(text: string, file = 'libbpf.map'): string {
  const versions = [...text.matchAll(/^LIBBPF_(\d+\.\d+\.\d+)/gm)].map((match) => match[1]!);
  if (versions.length === 0) throw new KptrlabError('LIBBPF_SOURCE', `${file} names no LIBBPF_x.y.z version`, { hint: 'Point the libbpf source at a kernel tree with tools/lib/bpf.' });
  return versions.sort(compareVersions).at(-1)!;
}

/** make argv that builds libbpf.a and installs its headers out of tree (OUTPUT= and DESTDIR= keep the tree pristine). */
export function libbpfMakeArgs(tree: string, scratch: string, target: LibbpfTarget, jobs = 2): string[] {
  const cross = target.arch === 'arm64'
    // -idirafter: the cross compiler's own libc headers win; only libelf.h, gelf.h and zlib.h come from the image.
    ? [`ARCH=${ARCH_NAMES[target.arch].kernelMake}`, `CROSS_COMPILE=${ARCH_NAMES[target.arch].crossCompile}`, `EXTRA_CFLAGS=-fPIC -O2 -idirafter ${join(target.sysroot, 'usr', 'include')}`]
    // -fPIC: the archive is linked into the binding, a shared object.
    : ['EXTRA_CFLAGS=-fPIC -O2'];
  return ['-C', join(tree, 'tools', 'lib', 'bpf'), `OUTPUT=${scratch}/obj/`, `DESTDIR=${scratch}/prefix`, 'prefix=', ...cross, `-j${jobs}`, `${scratch}/obj/libbpf.a`, 'install_headers'];
}

/** The cached static libbpf of `tree` for `target`, built on a miss (a few seconds to a minute). */
export async function staticLibbpf(tree: string, treeId: string, describe: string, target: LibbpfTarget = { arch: 'host' }): Promise<StaticLibbpf> {
  const version = treeLibbpfVersion(tree);
  // Node's spelling, as process.arch gives the host's: part of the cache folder name.
  const arch = target.arch === 'host' ? process.arch : ARCH_NAMES[target.arch].node;
  const key = hashParts([BUILDER_VERSION, treeId, arch]).slice(0, 16);
  const dir = entryPath(libbpfCache, `${version}-${arch}-${key}`);
  const result: StaticLibbpf = { prefix: dir, include: join(dir, 'include'), archive: join(dir, 'lib', 'libbpf.a'), version, source: describe };
  await cached(libbpfCache, dir, async (entry) => {
    // make's objects and its install go to a scratch folder inside the entry, removed before the entry is published.
    const scratch = join(entry, 'build');
    await mkdir(join(scratch, 'obj'), { recursive: true });
    await runChild('make', libbpfMakeArgs(tree, scratch, target), { stage: `libbpf ${version} build (${target.arch === 'host' ? arch : 'arm64 cross'}, from ${describe})`, timeoutMs: 20 * 60_000 });
    await rename(join(scratch, 'prefix', 'include'), join(entry, 'include'));
    await mkdir(join(entry, 'lib'));
    await copyFile(join(scratch, 'obj', 'libbpf.a'), join(entry, 'lib', 'libbpf.a'));
    // libbpf's headers include <linux/bpf.h>; the system's (Debian 12: 6.1) lacks what 1.8 declares.
    await mkdir(join(entry, 'include', 'linux'), { recursive: true });
    for (const header of UAPI_HEADERS) await copyFile(join(tree, 'tools', 'include', 'uapi', 'linux', header), join(entry, 'include', 'linux', header));
    await rm(scratch, { recursive: true, force: true });
    await writeFile(join(entry, 'meta.json'), `${JSON.stringify({ version, treeId, source: describe, arch: target.arch, builtAt: new Date().toISOString() }, null, 2)}\n`);
  }, { lockWaitMs: 20 * 60_000 });
  return result;
}
