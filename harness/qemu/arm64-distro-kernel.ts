// Debian's arm64 kernel for the arm64 guest (a test tier that needs no kernel build): fetched through a private arm64 apt state, never installed.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { privateAptOptions } from '../kernel/apt-fetch.js';
import { machineMirror } from '../kernel/apt-sources.js';
import { ARCH_NAMES } from '../util/arch.js';
import type { CacheKind } from '../util/cached.js';
import { runChild } from '../util/child.js';
import { KptrlabError } from '../util/errors.js';
import { cacheRoot } from '../util/paths.js';
import type { Arm64Rootfs } from './arm64-rootfs.js';
import type { BootableKernel } from './distro-boot.js';
import { concretePackage, unpackedPackage } from './distro-kernel.js';
import { buildInitramfs } from './initramfs.js';

/** The arm64 private apt states: apt/arm64-<suite> (lists refreshed in place; gc removes them by age only). */
export const arm64AptStates: CacheKind = { name: 'apt', dir: 'apt', expect: ['sources.list'] };

/** apt options for a private state that sees only arm64 packages (the host's dpkg is not told about arm64). */
export function arm64AptOptions(dir: string): string[] {
  const debian = ARCH_NAMES.arm64.debian;
  return [...privateAptOptions(dir), '-o', `APT::Architecture=${debian}`, '-o', `APT::Architectures::=${debian}`];
}

/** Downloads and unpacks an arm64 kernel package (metapackage resolved) and builds its initramfs with the image's static busybox. */
export async function arm64DebianKernel(rootfs: Arm64Rootfs, pkg: string = ARCH_NAMES.arm64.debianKernel, suite = 'bookworm'): Promise<BootableKernel> {
  const aptDir = join(cacheRoot(), 'apt', `arm64-${suite}`);
  const opts = arm64AptOptions(aptDir);
  let concrete = pkg;
  if (!/^linux-image-\d/.test(pkg)) {
    mkdirSync(join(aptDir, 'lists', 'partial'), { recursive: true });
    mkdirSync(join(aptDir, 'cache', 'archives', 'partial'), { recursive: true });
    const mirror = await machineMirror();
    writeFileSync(join(aptDir, 'sources.list'), `deb [arch=${ARCH_NAMES.arm64.debian} signed-by=${mirror.signedBy}] ${mirror.uri} ${suite} main\n`);
    if (!existsSync(join(aptDir, 'updated-at'))) {
      await runChild('apt-get', [...opts, 'update'], { stage: `apt-get update (arm64 ${suite})`, timeoutMs: 15 * 60_000 });
      writeFileSync(join(aptDir, 'updated-at'), new Date().toISOString());
    }
    const depends = await runChild('apt-cache', [...opts, 'depends', pkg], { stage: `resolve ${pkg} (arm64)` });
    concrete = concretePackage(depends.stdout) ?? '';
    if (!concrete) throw new KptrlabError('DISTRO_KERNEL', `${pkg} (arm64) does not depend on a linux-image package`, { hint: `Remove ${join(aptDir, 'updated-at')} to refresh the arm64 package lists.` });
  }
  const root = await unpackedPackage(concrete, join(cacheRoot(), 'distro-kernels', `${concrete}.arm64`), opts, `${concrete} (arm64)`);
  const image = readdirSync(join(root, 'boot')).find((name) => name.startsWith('vmlinuz-'));
  if (!image) throw new KptrlabError('DISTRO_KERNEL', `${concrete} has no /boot/vmlinuz-*`);
  const release = image.slice('vmlinuz-'.length);
  // The initramfs runs before the rootfs is mounted, so it needs an arm64 static busybox: the image's own.
  const initrd = await buildInitramfs({ modulesDir: join(root, 'lib', 'modules', release), busybox: join(rootfs.root, 'bin', 'busybox') });
  return { image: join(root, 'boot', image), initrd, release };
}
