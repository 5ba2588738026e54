// Fetches a Debian kernel package with `apt-get download` into the cache and unpacks it (never installed).
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ARCH_NAMES } from '../util/arch.js';
import { cached, type CacheKind } from '../util/cached.js';
import { runChild } from '../util/child.js';
import { KptrlabError } from '../util/errors.js';
import { cacheRoot } from '../util/paths.js';

/** Unpacked Debian kernel packages: distro-kernels/<package>[.arm64]/root (never installed). */
export const distroKernels: CacheKind = { name: 'distro-kernels', dir: 'distro-kernels', expect: ['root'] };

export interface DistroKernel {
  package: string;
  release: string;
  /** vmlinuz path. */
  image: string;
  /** /lib/modules/<release> inside the unpacked package. */
  modulesDir: string;
}

/** The concrete linux-image-<release>-<flavour> a metapackage (linux-image-amd64) points to. */
export function concretePackage(dependsOutput: string): string | undefined {
  const match = /Depends:\s*(linux-image-\d[^\s<>]*)/.exec(dependsOutput);
  return match?.[1];
}

/** Downloads and unpacks `pkg` (a metapackage is resolved first); cached under <cache>/distro-kernels/. */
export async function debianKernel(pkg: string = ARCH_NAMES.x86_64.debianKernel): Promise<DistroKernel> {
  let concrete = pkg;
  if (!/^linux-image-\d/.test(pkg)) {
    const depends = await runChild('apt-cache', ['depends', pkg], { stage: `resolve ${pkg}` });
    concrete = concretePackage(depends.stdout) ?? '';
    if (!concrete) throw new KptrlabError('DISTRO_KERNEL', `${pkg} does not depend on a linux-image package`, { hint: `Run apt-get update, or name the package (linux-image-6.1.0-NN-${ARCH_NAMES.x86_64.debian}).` });
  }
  const root = await unpackedPackage(concrete, join(cacheRoot(), 'distro-kernels', concrete));
  const image = readdirSync(join(root, 'boot')).find((name) => name.startsWith('vmlinuz-'));
  if (!image) throw new KptrlabError('DISTRO_KERNEL', `${concrete} has no /boot/vmlinuz-*`);
  const release = image.slice('vmlinuz-'.length);
  return { package: concrete, release, image: join(root, 'boot', image), modulesDir: join(root, 'lib', 'modules', release) };
}

/** `<dir>/root` holding the unpacked `concrete` .deb, downloaded with `aptArgs` on a miss (the rename makes it atomic). */
export async function unpackedPackage(concrete: string, dir: string, aptArgs: readonly string[] = [], label = concrete): Promise<string> {
  await cached(distroKernels, dir, async (work) => {
    await runChild('apt-get', [...aptArgs, 'download', concrete], { stage: `download ${label}`, cwd: work, timeoutMs: 10 * 60_000 });
    const deb = readdirSync(work).find((name) => name.endsWith('.deb'));
    if (!deb) throw new KptrlabError('DISTRO_KERNEL', `apt-get download ${concrete} produced no .deb`);
    await runChild('dpkg-deb', ['-x', join(work, deb), join(work, 'root')], { stage: `unpack ${concrete}` });
    // Only the unpacked files stay in the cache.
    rmSync(join(work, deb));
  });
  return join(dir, 'root');
}
