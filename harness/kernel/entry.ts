// A cache entry: artifacts plus a completion marker, written last, that lists their hashes; verified on use.
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { leftoverOf, type CacheKind } from '../util/cached.js';
import { hashFile } from '../util/hash.js';

/** The file names inside an entry. */
export const entryFiles = { image: 'image', vmlinux: 'vmlinux', config: 'config', log: 'build.log', meta: 'meta.json', marker: 'complete.json' } as const;

/** What the completion marker records about each artifact. */
export interface Marker {
  key: string;
  artifacts: Record<string, { sha256: string; size: number }>;
}

/** Result of checking an entry. */
export type EntryState = { ok: true; marker: Marker } | { ok: false; reason: string };

const artifactNames = [entryFiles.image, entryFiles.vmlinux, entryFiles.config, entryFiles.meta];

/** Hashes the artifacts in `dir` and writes the marker; call only after everything else is in place. */
export async function writeMarker(dir: string, key: string): Promise<Marker> {
  const artifacts: Marker['artifacts'] = {};
  for (const name of artifactNames) {
    artifacts[name] = { sha256: await hashFile(join(dir, name)), size: (await stat(join(dir, name))).size };
  }
  const marker = { key, artifacts };
  await writeFile(join(dir, entryFiles.marker), `${JSON.stringify(marker, null, 2)}\n`);
  return marker;
}

/** Checks the marker and every artifact (sizes only when `quick`, sizes and hashes otherwise). */
export async function verifyEntry(dir: string, key: string, quick = false): Promise<EntryState> {
  let marker: Marker;
  try {
    marker = JSON.parse(await readFile(join(dir, entryFiles.marker), 'utf8')) as Marker;
  } catch {
    return { ok: false, reason: 'no completion marker (interrupted or still building)' };
  }
  if (marker.key !== key) return { ok: false, reason: `marker names key ${marker.key}` };
  for (const name of artifactNames) {
    const want = marker.artifacts[name];
    if (!want) return { ok: false, reason: `marker lacks ${name}` };
    const size = await stat(join(dir, name)).then((s) => s.size, () => -1);
    if (size !== want.size) return { ok: false, reason: `${name} is ${size < 0 ? 'missing' : `${size} bytes, expected ${want.size}`}` };
    if (!quick && (await hashFile(join(dir, name))) !== want.sha256) return { ok: false, reason: `${name} does not match its recorded sha256` };
  }
  return { ok: true, marker };
}

/** Names of entry folders under the kernels cache (hidden folders hold trees and failures; temp folders are builds in progress). */
export async function entryNames(root: string): Promise<string[]> {
  const names = await readdir(root).catch(() => [] as string[]);
  return names.filter((n) => !n.startsWith('.') && !leftoverOf(n)).sort();
}

/** The kernel cache as a cache kind: its completion marker verifies an entry (sizes here; a build re-hashes before use). */
export const kernelCache: CacheKind = {
  name: 'kernels',
  dir: 'kernels',
  verify: async (dir) => {
    const state = await verifyEntry(dir, basename(dir), true);
    return state.ok ? undefined : state.reason;
  },
};
