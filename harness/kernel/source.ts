// Resolves a kernel source (Debian package, git ref, folder, tarball) to a pristine tree and a content id.
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { cached, entryPath, type CacheKind } from '../util/cached.js';
import { cacheRoot } from '../util/paths.js';
import { hashFile, hashParts } from '../util/hash.js';
import { runChild } from '../util/child.js';
import { KptrlabError } from '../util/errors.js';
import { fetchDebianPackage } from './apt-fetch.js';
import { extractDeb, extractTarball, kernelTopDir, unpackedSources, unpackOnce } from './unpack.js';
import { hashTree } from './tree-hash.js';

/** Bare git mirrors, one per URL; fetched into on every use. */
export const gitMirrors: CacheKind = { name: 'sources/git', dir: join('sources', 'git'), expect: ['HEAD'] };

/** Where kernel sources come from (the `kernels.source` config section). */
export type SourceSpec =
  | { kind: 'debian'; package: string; suite: string }
  | { kind: 'git'; url: string; ref: string }
  | { kind: 'dir'; path: string }
  | { kind: 'tarball'; path: string };

/** A source ready to copy: its content id and the pristine tree. */
export interface ResolvedSource {
  id: string;
  tree: string;
  describe: string;
}

/** Returns the content id and pristine tree for a source, downloading and unpacking once. */
export async function resolveSource(spec: SourceSpec): Promise<ResolvedSource> {
  switch (spec.kind) {
    case 'debian':
      return resolveDebian(spec.package, spec.suite);
    case 'git':
      return resolveGit(spec.url, spec.ref);
    case 'dir':
      return resolveDir(spec.path);
    case 'tarball':
      return resolveTarball(spec.path);
  }
}

async function resolveDebian(pkg: string, suite: string): Promise<ResolvedSource> {
  const root = join(cacheRoot(), 'sources');
  const deb = await fetchDebianPackage(pkg, suite, join(root, 'apt', suite), join(root, 'debian'));
  const dir = entryPath(unpackedSources, `deb-${deb.sha256.slice(0, 16)}`);
  await unpackOnce(dir, async (staging) => {
    const debDir = join(staging, 'deb');
    await mkdir(debDir);
    await extractDeb(deb.path, debDir);
    const srcDir = join(debDir, 'usr/src');
    const tarball = (await readdir(srcDir)).find((f) => /^linux-source-.*\.tar\.(xz|gz|bz2|zst)$/.test(f));
    if (!tarball) throw new KptrlabError('SOURCE_NOT_KERNEL', `${deb.path} has no linux-source tarball in usr/src`, { hint: 'Use a linux-source-<version> package.' });
    await mkdir(join(staging, 'tree'));
    await extractTarball(join(srcDir, tarball), join(staging, 'tree'));
    // The .deb stays in the download cache; its unpacked copy of the tarball is no longer needed.
    await rm(debDir, { recursive: true, force: true });
  });
  return { id: `debian:${pkg}=${deb.version}@sha256:${deb.sha256}`, tree: await kernelTopDir(join(dir, 'tree')), describe: `${pkg} ${deb.version} (${suite})` };
}

async function resolveGit(url: string, ref: string): Promise<ResolvedSource> {
  const mirror = entryPath(gitMirrors, hashParts([url]).slice(0, 16));
  const git = (args: string[], env?: Record<string, string>) => runChild('git', args, { stage: `git ${args[0]}`, env, timeoutMs: 60 * 60_000 });
  await cached(gitMirrors, mirror, async (temp) => {
    await git(['init', '--bare', '--quiet', temp]);
  });
  await git(['--git-dir', mirror, 'fetch', '--quiet', '--depth', '1', url, ref]);
  const commit = (await git(['--git-dir', mirror, 'rev-parse', 'FETCH_HEAD^{commit}'])).stdout.trim();
  const dir = entryPath(unpackedSources, `git-${commit}`);
  await unpackOnce(dir, async (staging) => {
    const tree = join(staging, 'tree');
    await mkdir(tree);
    // A private index keeps the export from touching any checkout's state.
    const env = { GIT_INDEX_FILE: join(staging, 'index') };
    await git(['--git-dir', mirror, 'read-tree', commit], env);
    await git(['--git-dir', mirror, '--work-tree', tree, 'checkout-index', '--all', '--force'], env);
  });
  return { id: `git:${commit}`, tree: join(dir, 'tree'), describe: `${url} ${ref} (${commit.slice(0, 12)})` };
}

async function resolveDir(path: string): Promise<ResolvedSource> {
  const tree = await kernelTopDir(path, false);
  return { id: `dir:${await hashTree(tree)}`, tree, describe: tree };
}

async function resolveTarball(path: string): Promise<ResolvedSource> {
  const sha = await hashFile(path).catch((error: unknown) => {
    throw new KptrlabError('SOURCE_MISSING', `cannot read the kernel tarball ${path}`, { hint: 'Fix kernels.source.path in the config.', cause: error, exitCode: 2 });
  });
  const dir = entryPath(unpackedSources, `tar-${sha.slice(0, 16)}`);
  await unpackOnce(dir, async (staging) => {
    await mkdir(join(staging, 'tree'));
    await extractTarball(path, join(staging, 'tree'));
  });
  return { id: `tarball:sha256:${sha}`, tree: await kernelTopDir(join(dir, 'tree')), describe: path };
}
