import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

/** sha256 hex of a sequence of strings/buffers, each length-prefixed so boundaries count. */
export function hashParts(parts: ReadonlyArray<string | Uint8Array>): string {
  const hash = createHash('sha256');
  for (const part of parts) {
    const bytes = typeof part === 'string' ? Buffer.from(part) : part;
    hash.update(`${bytes.length}:`);
    hash.update(bytes);
  }
  return hash.digest('hex');
}

/** sha256 hex of a file's content. */
export async function hashFile(path: string): Promise<string> {
  return hashParts([await readFile(path)]);
}

/** Plain sha256 hex of a file's bytes (what `sha256sum` prints): the provenance hashes of objects, configs and bundles. */
export function sha256OfFile(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}
