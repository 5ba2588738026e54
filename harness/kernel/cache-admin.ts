// Listing and garbage-collecting the kernel cache: entries, build trees, staging and failure folders.
import { readFile, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { entryFiles, entryNames, verifyEntry } from './entry.js';
import { pidAlive } from './lock.js';

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

/** What gc removed. */
export interface GcReport {
  removed: string[];
  kept: number;
}

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

/** Removes broken entries, failures, staging left by dead runs and stale locks; `trees`/`all` go further. */
export async function collectGarbage(root: string, options: { trees?: boolean; all?: boolean } = {}): Promise<GcReport> {
  const removed: string[] = [];
  let kept = 0;
  const remove = async (path: string) => {
    await rm(path, { recursive: true, force: true });
    removed.push(path);
  };
  for (const row of await listEntries(root)) {
    if (options.all || !row.ok) await remove(row.dir);
    else kept += 1;
  }
  await remove(join(root, '.failed'));
  for (const name of await readdir(join(root, '.staging')).catch(() => [] as string[])) {
    // Staging folders end in the builder's pid; a live builder's folder is left alone.
    const pid = Number.parseInt(name.split('-').pop() ?? '', 10);
    if (!pidAlive(pid)) await remove(join(root, '.staging', name));
  }
  const treesDir = join(root, '.trees');
  for (const name of await readdir(treesDir).catch(() => [] as string[])) {
    const path = join(treesDir, name);
    if (name.endsWith('.lock')) {
      const pid = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
      if (!pidAlive(pid)) await remove(path);
      continue;
    }
    if (name.includes('.staging-')) {
      if (!pidAlive(Number.parseInt(name.split('-').pop() ?? '', 10))) await remove(path);
      continue;
    }
    const locked = await stat(`${path}.lock`).then(() => true, () => false);
    if ((options.trees || options.all) && !locked && !name.endsWith('.txt')) await remove(path);
  }
  return { removed, kept };
}

// A broken entry may have an unreadable or half-written meta.json; list it anyway.
async function readMeta(path: string): Promise<Record<string, any>> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Record<string, any>;
  } catch {
    return {};
  }
}
