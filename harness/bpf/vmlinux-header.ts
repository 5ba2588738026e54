// Generates vmlinux.h from a kernel's BTF, cached by the BTF's hash (the target kernel decides the types).
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cached, entryPath, type CacheKind } from '../util/cached.js';
import { runChild } from '../util/child.js';
import { KptrlabError } from '../util/errors.js';
import { hashFile, hashParts } from '../util/hash.js';

export const LOCAL_BTF = '/sys/kernel/btf/vmlinux';

/** Generated headers: vmlinux-h/<key>/vmlinux.h, keyed by the BTF's hash (and a tree's bpftool). */
export const vmlinuxHeaders: CacheKind = { name: 'vmlinux-h', dir: 'vmlinux-h', expect: ['vmlinux.h'] };

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
  const dir = entryPath(vmlinuxHeaders, key.slice(0, 24));
  await cached(vmlinuxHeaders, dir, async (entry) => {
    const result = await runChild(bpftool, ['btf', 'dump', 'file', btfPath, 'format', 'c'], { stage: 'vmlinux.h generation' });
    await writeFile(join(entry, 'vmlinux.h'), result.stdout);
  });
  return { dir, btfHash };
}
