// Listing and garbage-collecting the kernel cache: entries, build trees, staging and failure folders.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { leftoverOf, type CacheKind } from '../util/cached.js';
import { discard, gcKind, staleLeftovers, type GcItem } from '../util/cached-gc.js';
import { liveHolder, pidAlive } from '../util/lock.js';
import { entryFiles, entryNames, kernelCache, verifyEntry } from './entry.js';
import { unpackedSources } from './unpack.js';

/** One row of `kptrlab kernel list`. */
export interface EntrySummary {
  key: string;
  dir: string;
  ok: boolean;
  reason: string | undefined;
  variant: string | undefined;
  arch: string | undefined;
  source: string | undefined;
  series: string | undefined;
  builtAt: string | undefined;
  totalMs: number | undefined;
}

/** What gc removed (in a dry run: would remove). */
export interface GcReport {
  removed: string[];
  items: GcItem[];
  kept: number;
}

// The shared build trees are unpacked once each, like source trees, into kernels/.trees.
const buildTrees: CacheKind = { ...unpackedSources, name: 'kernels/.trees', dir: join('kernels', '.trees') };

/** Summarises every entry under `root`; `verify` hashes artifacts instead of comparing sizes. */
export async function listEntries(root: string, verify = false): Promise<EntrySummary[]> {
  const rows: EntrySummary[] = [];
  for (const key of await entryNames(root)) {
    const dir = join(root, key);
    const state = await verifyEntry(dir, key, !verify);
    const meta = await readMeta(join(dir, entryFiles.meta));
    const ops = Array.isArray(meta.series) ? (meta.series as Array<{ patch: string; reverse: boolean }>) : [];
    rows.push({
      key,
      dir,
      ok: state.ok,
      reason: state.ok ? undefined : state.reason,
      variant: meta.variant,
      arch: meta.arch,
      source: meta.source?.describe,
      series: ops.length ? ops.map((op) => `${op.reverse ? '-' : '+'}${op.patch.slice(0, 4)}`).join(' ') : meta.variant ? 'as shipped' : undefined,
      builtAt: meta.builtAt,
      totalMs: meta.durationsMs?.total,
    });
  }
  return rows;
}

/** Removes broken entries, failures, leftovers of dead runs and stale locks; `trees`/`all` go further; `dryRun` only reports. */
export async function collectGarbage(root: string, options: { trees?: boolean; all?: boolean; dryRun?: boolean } = {}): Promise<GcReport> {
  const items = [
    ...(await gcKind(kernelCache, { olderThanDays: options.all ? 0 : undefined, dryRun: options.dryRun }, root)),
    ...(await sweepKernelFolders(root, { trees: options.trees || options.all, dryRun: options.dryRun })),
  ];
  const gone = new Set(items.map((item) => item.path));
  const kept = (await entryNames(root)).filter((key) => !gone.has(join(root, key))).length;
  return { removed: items.map((item) => item.path), items, kept };
}

/** The kernel cache's own folders: failed builds, staging of dead runs (older layout), leftovers in .trees, and with `trees` the idle build trees. */
export async function sweepKernelFolders(root: string, options: { trees?: boolean; dryRun?: boolean } = {}): Promise<GcItem[]> {
  const items: GcItem[] = [];
  const take = async (path: string, reason: string) => {
    const item = await discard(path, reason, options.dryRun);
    if (item) items.push(item);
  };
  await take(join(root, '.failed'), 'logs of failed builds');
  for (const name of await readdir(join(root, '.staging')).catch(() => [] as string[])) {
    // Staging folders of the older layout end in the builder's pid; a live builder's folder is left alone.
    const pid = Number.parseInt(name.split('-').pop() ?? '', 10);
    if (!pidAlive(pid)) await take(join(root, '.staging', name), `left by process ${pid}, which is gone`);
  }
  const treesDir = join(root, '.trees');
  for (const left of await staleLeftovers(buildTrees, treesDir)) await take(left.path, left.reason);
  if (!options.trees) return items;
  for (const name of await readdir(treesDir).catch(() => [] as string[])) {
    const path = join(treesDir, name);
    if (name.endsWith('.txt') || leftoverOf(name)) continue;
    // A tree whose lock a live run holds is being built in.
    if ((await liveHolder(`${path}.lock`)) !== undefined || (await liveHolder(`${path}.unpack.lock`)) !== undefined) continue;
    await take(path, 'shared build tree (--trees)');
  }
  return items;
}

// A broken entry may have an unreadable or half-written meta.json; list it anyway.
async function readMeta(path: string): Promise<Record<string, any>> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Record<string, any>;
  } catch {
    return {};
  }
}
