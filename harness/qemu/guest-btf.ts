// A guest kernel's BTF, copied to the host once per kernel image and release: the same kernel always has the same BTF.
import { join } from 'node:path';
import { cached, entryPath, type CacheKind } from '../util/cached.js';
import { hashParts } from '../util/hash.js';

/** Guest BTF copies: guest-btf/<release>-<key>/vmlinux. */
export const guestBtfs: CacheKind = { name: 'guest-btf', dir: 'guest-btf', expect: ['vmlinux'] };

/** The cached BTF of a guest kernel; on a miss `download(dest)` copies the guest's /sys/kernel/btf/vmlinux to dest. */
export async function guestBtf(image: string, release: string, download: (dest: string) => Promise<void>): Promise<string> {
  const dir = entryPath(guestBtfs, `${release}-${hashParts([image, release]).slice(0, 16)}`);
  await cached(guestBtfs, dir, (entry) => download(join(entry, 'vmlinux')));
  return join(dir, 'vmlinux');
}
