// Generates vmlinux.h from a kernel's BTF, cached by the BTF's hash (the target kernel decides the types).
import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runChild } from '../util/child.js';
import { KptrlabError } from '../util/errors.js';
import { hashFile, hashParts } from '../util/hash.js';
import { cacheRoot } from '../util/paths.js';

export const LOCAL_BTF = '/sys/kernel/btf/vmlinux';

export interface VmlinuxHeader {
  /** Folder holding vmlinux.h (pass as -I). */
  dir: string;
  btfHash: string;
}

/**
 * Returns a folder with vmlinux.h generated from `btfPath` (a raw BTF file or a vmlinux ELF) by `bpftool`
 * (default: the one on PATH; the selftests pass the kernel tree's own).
 */
export async function vmlinuxHeader(btfPath: string = LOCAL_BTF, bpftool = 'bpftool'): Promise<VmlinuxHeader> {
  if (!existsSync(btfPath)) {
    throw new KptrlabError('BTF_MISSING', `kernel BTF not found at ${btfPath}`, {
      hint: 'Use a kernel built with CONFIG_DEBUG_INFO_BTF=y (kptrlab kernel build does this).',
    });
  }
  const btfHash = await hashFile(btfPath);
  // Another bpftool writes another header (newer ones add kfunc prototypes), so it is part of the key.
  const key = bpftool === 'bpftool' ? btfHash : hashParts([btfHash, await hashFile(bpftool)]);
  const dir = join(cacheRoot(), 'vmlinux-h', key.slice(0, 24));
  const header = join(dir, 'vmlinux.h');
  if (existsSync(header)) return { dir, btfHash };
  const result = await runChild(bpftool, ['btf', 'dump', 'file', btfPath, 'format', 'c'], { stage: 'vmlinux.h generation' });
  await mkdir(dir, { recursive: true });
  // Write then rename so a concurrent run never sees half a header.
  const partial = `${header}.${process.pid}.tmp`;
  await writeFile(partial, result.stdout);
  await rename(partial, header);
  return { dir, btfHash };
}
