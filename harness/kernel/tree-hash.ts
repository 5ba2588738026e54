// Content hash of a source folder: every regular file's path, mode and bytes, in sorted order.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';

// Version control and build outputs are not part of the source's content.
const skipped = new Set(['.git', '.kptrlab-unpacked']);

/** sha256 over the folder's files (paths, executable bits, symlink targets, contents). */
export async function hashTree(root: string): Promise<string> {
  const hash = createHash('sha256');
  await walk(root, '', hash);
  return hash.digest('hex');
}

async function walk(root: string, rel: string, hash: ReturnType<typeof createHash>): Promise<void> {
  const entries = (await readdir(join(root, rel), { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const entry of entries) {
    if (skipped.has(entry.name)) continue;
    const path = join(rel, entry.name);
    if (entry.isDirectory()) {
      await walk(root, path, hash);
    } else if (entry.isSymbolicLink()) {
      hash.update(`L ${path}\0${await readlink(join(root, path))}\0`);
    } else if (entry.isFile()) {
      const info = await stat(join(root, path));
      hash.update(`F ${path}\0${info.mode & 0o111 ? 'x' : '-'}${info.size}\0`);
      for await (const chunk of createReadStream(join(root, path))) hash.update(chunk as Buffer);
    }
  }
}
