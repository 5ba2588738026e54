// Builds a kernel tree's tools/lib/bpf into a static, position-independent libbpf (headers + libbpf.a), once per tree and arch.
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runChild } from '../util/child.js';
import { KptrlabError } from '../util/errors.js';
import { hashParts } from '../util/hash.js';
import { cacheRoot } from '../util/paths.js';
import { compareVersions } from '../util/version.js';
import { acquireLock } from './lock.js';

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
    ? ['ARCH=arm64', 'CROSS_COMPILE=aarch64-linux-gnu-', `EXTRA_CFLAGS=-fPIC -O2 -idirafter ${join(target.sysroot, 'usr', 'include')}`]
    // -fPIC: the archive is linked into the binding, a shared object.
    : ['EXTRA_CFLAGS=-fPIC -O2'];
  return ['-C', join(tree, 'tools', 'lib', 'bpf'), `OUTPUT=${scratch}/obj/`, `DESTDIR=${scratch}/prefix`, 'prefix=', ...cross, `-j${jobs}`, `${scratch}/obj/libbpf.a`, 'install_headers'];
}

/** The cached static libbpf of `tree` for `target`, built on a miss (a few seconds to a minute). */
export async function staticLibbpf(tree: string, treeId: string, describe: string, target: LibbpfTarget = { arch: 'host' }): Promise<StaticLibbpf> {
  const version = treeLibbpfVersion(tree);
  const arch = target.arch === 'host' ? process.arch : 'arm64';
  const key = hashParts([BUILDER_VERSION, treeId, arch]).slice(0, 16);
  const dir = join(cacheRoot(), 'libbpf', `${version}-${arch}-${key}`);
  const result: StaticLibbpf = { prefix: dir, include: join(dir, 'include'), archive: join(dir, 'lib', 'libbpf.a'), version, source: describe };
  if (existsSync(join(dir, 'meta.json'))) return result;
  await mkdir(join(cacheRoot(), 'libbpf'), { recursive: true });
  // Two builds of the same tree at once (npm ci beside a run) would race on the final rename.
  const lock = await acquireLock(`${dir}.lock`, 20 * 60_000);
  try {
    if (existsSync(join(dir, 'meta.json'))) return result;
    const scratch = `${dir}.${process.pid}.tmp`;
    await rm(scratch, { recursive: true, force: true });
    await mkdir(join(scratch, 'obj'), { recursive: true });
    await runChild('make', libbpfMakeArgs(tree, scratch, target), { stage: `libbpf ${version} build (${target.arch === 'host' ? arch : 'arm64 cross'}, from ${describe})`, timeoutMs: 20 * 60_000 });
    await mkdir(join(scratch, 'prefix', 'lib'), { recursive: true });
    await copyFile(join(scratch, 'obj', 'libbpf.a'), join(scratch, 'prefix', 'lib', 'libbpf.a'));
    // libbpf's headers include <linux/bpf.h>; the system's (Debian 12: 6.1) lacks what 1.8 declares.
    await mkdir(join(scratch, 'prefix', 'include', 'linux'), { recursive: true });
    for (const header of UAPI_HEADERS) await copyFile(join(tree, 'tools', 'include', 'uapi', 'linux', header), join(scratch, 'prefix', 'include', 'linux', header));
    await rm(join(scratch, 'obj'), { recursive: true, force: true });
    await writeFile(join(scratch, 'prefix', 'meta.json'), `${JSON.stringify({ version, treeId, source: describe, arch: target.arch, builtAt: new Date().toISOString() }, null, 2)}\n`);
    await rm(dir, { recursive: true, force: true });
    // Rename last: a half-built prefix is never taken for a cached one.
    await rename(join(scratch, 'prefix'), dir);
    await rm(scratch, { recursive: true, force: true });
    return result;
  } finally {
    await lock.release();
  }
}
