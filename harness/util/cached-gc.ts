// Lists and cleans cache kinds: each entry's state, size and last use; leftovers of dead processes; old or broken entries.
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { checkEntry, leftoverOf, removeUnlessMounted, type CacheKind } from './cached.js';
import { liveHolder, pidAlive } from './lock.js';
import { cacheRoot } from './paths.js';

const DAY_MS = 24 * 3_600_000;

/** What gc removes besides leftovers of dead processes and entries that do not verify. */
export interface GcRule {
  /** Entries unused for at least this many days go too (0: every entry no live process holds). */
  olderThanDays?: number;
  /** Say what would go; remove nothing. */
  dryRun?: boolean;
  /** Clock for the age rule (tests). */
  now?: number;
}

/** One path gc removed (or, in a dry run, would remove). */
export interface GcItem {
  path: string;
  bytes: number;
  reason: string;
}

/** One entry of a kind as `kptrlab cache list` shows it. */
export interface EntryRow {
  kind: string;
  name: string;
  path: string;
  /** Why it cannot be used; undefined when it verifies. */
  problem: string | undefined;
  /** A live process holding the entry's lock (building it right now). */
  lockedBy: number | undefined;
  usedAt: Date;
  /** Bytes on disk (entry and companions), when asked for. */
  bytes: number | undefined;
}

/** Where a kind's entries are read from: <cache root>/<kind dir> unless a test or a command names the folder. */
export function kindFolder(kind: CacheKind, root: string = cacheRoot()): string {
  return join(root, kind.dir);
}

/** Every entry of `kind` under `folder` with its state; `sizes` adds up each entry's bytes (slower). */
export async function listKind(kind: CacheKind, folder: string = kindFolder(kind), sizes = false): Promise<EntryRow[]> {
  const rows: EntryRow[] = [];
  for (const name of await namesAt(folder, kind.depth ?? 1)) {
    if (name.split('/').some((part) => part.startsWith('.')) || leftoverOf(name.split('/').pop()!) || !(kind.match?.test(name) ?? true)) continue;
    const path = join(folder, name);
    const info = await lstat(path).catch(() => undefined);
    if (!info) continue;
    const bytes = sizes ? (await Promise.all([path, ...(kind.companions?.(path) ?? [])].map(diskBytes))).reduce((a, b) => a + b, 0) : undefined;
    const lockedBy = (await liveHolder(`${path}.lock`)) ?? (await liveHolder(`${path}.unpack.lock`));
    rows.push({ kind: kind.name, name, path, problem: await checkEntry(kind, path), lockedBy, usedAt: info.mtime, bytes });
  }
  return rows;
}

/** Temp paths, staging folders and lock files under `folder` whose process is gone. */
export async function staleLeftovers(kind: CacheKind, folder: string = kindFolder(kind)): Promise<Array<{ path: string; reason: string }>> {
  const found: Array<{ path: string; reason: string }> = [];
  const depth = kind.depth ?? 1;
  for (const name of await namesAt(folder, depth)) {
    const left = leftoverOf(name.split('/').pop()!);
    // Deeper than one level, only this kind's own folders are looked into.
    if (!left || (depth > 1 && !(kind.match?.test(name.replace(/\/[^/]*$/, `/${left.entry}`)) ?? true))) continue;
    const path = join(folder, name);
    if (left.pid !== undefined && !pidAlive(left.pid)) found.push({ path, reason: `left by process ${left.pid}, which is gone` });
    if (left.pid === undefined && (await liveHolder(path)) === undefined) found.push({ path, reason: 'lock of a process that is gone' });
  }
  return found;
}

/** Removes from one kind: leftovers of dead processes, entries that do not verify, entries older than the rule allows. */
export async function gcKind(kind: CacheKind, rule: GcRule, folder: string = kindFolder(kind)): Promise<GcItem[]> {
  const items: GcItem[] = [];
  for (const left of await staleLeftovers(kind, folder)) {
    const item = await discard(left.path, left.reason, rule.dryRun);
    if (item) items.push(item);
  }
  const now = rule.now ?? Date.now();
  for (const row of await listKind(kind, folder)) {
    // Never an entry whose lock a live process holds: it is being built or replaced right now.
    if (row.lockedBy !== undefined) continue;
    const idleDays = (now - row.usedAt.getTime()) / DAY_MS;
    const old = rule.olderThanDays !== undefined && idleDays >= rule.olderThanDays;
    const reason = row.problem ? `does not verify: ${row.problem}` : old ? `unused for ${idleDays.toFixed(1)} days` : undefined;
    if (!reason) continue;
    for (const path of [row.path, ...(kind.companions?.(row.path) ?? [])]) {
      const item = await discard(path, reason, rule.dryRun);
      if (item) items.push(item);
    }
  }
  return items;
}

/** Removes `path` (unless a dry run) and says how many bytes it held; undefined when it is gone or has mounts inside. */
export async function discard(path: string, reason: string, dryRun = false): Promise<GcItem | undefined> {
  if (!(await lstat(path).catch(() => undefined))) return undefined;
  const bytes = await diskBytes(path);
  if (!dryRun && !removeUnlessMounted(path)) return undefined;
  return { path, bytes, reason };
}

/** Bytes on disk under `path` (allocated blocks, so a sparse file counts what it really holds). */
export async function diskBytes(path: string): Promise<number> {
  const info = await lstat(path).catch(() => undefined);
  if (!info) return 0;
  if (!info.isDirectory()) return info.blocks * 512;
  const names = await readdir(path).catch(() => [] as string[]);
  const inside = await Promise.all(names.map((name) => diskBytes(join(path, name))));
  return inside.reduce((sum, bytes) => sum + bytes, info.blocks * 512);
}

// Relative names `depth` levels below `folder`, descending only into folders.
async function namesAt(folder: string, depth: number): Promise<string[]> {
  const here = await readdir(folder, { withFileTypes: true }).catch(() => []);
  if (depth <= 1) return here.map((entry) => entry.name).sort();
  const names: string[] = [];
  for (const entry of here.filter((e) => e.isDirectory() && !e.name.startsWith('.'))) {
    for (const below of await namesAt(join(folder, entry.name), depth - 1)) names.push(`${entry.name}/${below}`);
  }
  return names.sort();
}
