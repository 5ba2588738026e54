// A Debian kernel package ready to boot: vmlinuz plus the initramfs that brings up the 9p root.
import { ARCH_NAMES } from '../util/arch.js';
import { debianKernel } from './distro-kernel.js';
import { buildInitramfs } from './initramfs.js';

export interface BootableKernel {
  image: string;
  initrd: string;
  release: string;
}

/** Downloads (cached) the package and builds (cached) its initramfs. */
export async function debianBootableKernel(pkg: string = ARCH_NAMES.x86_64.debianKernel): Promise<BootableKernel> {
  const kernel = await debianKernel(pkg);
  const initrd = await buildInitramfs({ modulesDir: kernel.modulesDir });
  return { image: kernel.image, initrd, release: kernel.release };
}
