// `kptrlab cache list|gc`: every kind of cached artifact, listed and cleaned by the same rules.
import { parseArgs } from 'node:util';
import { kernelsRoot } from '../kernel/build.js';
import { sweepKernelFolders } from '../kernel/cache-admin.js';
import { gcKind, listKind, type EntryRow, type GcItem } from '../util/cached-gc.js';
import { ExitCode, KptrlabError } from '../util/errors.js';
import { cacheRoot } from '../util/paths.js';
import { cacheKinds } from './cache-kinds.js';
import { runSubcommand } from './subcommands.js';

const USAGE = `usage: kptrlab cache <list|gc> [options]

  list  [--entries] [--json]             each kind: entries, broken ones, size, oldest use;
                                         --entries one line per entry
  gc    [--dry-run] [--older-than DAYS]  remove leftovers of dead runs (temp folders, stale locks),
                                         entries that do not verify and failed kernel builds;
                                         --older-than also entries unused for DAYS days.
                                         An entry whose lock a live process holds is never removed.

  Cache: $KPTRLAB_CACHE or ~/.cache/kptrlab (docs/caches.md). The kernels' shared build
  trees go with \`kptrlab kernel gc --trees\`.
`;

/** Runs a cache subcommand; 0 ok, 2 bad usage, 69 the cache could not be read. */
export async function cacheCommand(argv: string[]): Promise<number> {
  return runSubcommand('cache', USAGE, { list: listCommand, gc: gcCommand }, argv);
}

async function listCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { entries: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } }, strict: true });
  const rows: EntryRow[] = [];
  for (const kind of cacheKinds) rows.push(...(await listKind(kind, undefined, true)));
  if (values.json) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return ExitCode.ok;
  }
  process.stdout.write(`cache ${cacheRoot()}\n${'kind'.padEnd(28)}${'entries'.padStart(8)}${'broken'.padStart(8)}${'size'.padStart(11)}  oldest use\n`);
  for (const kind of cacheKinds) {
    const mine = rows.filter((row) => row.kind === kind.name);
    const broken = mine.filter((row) => row.problem).length;
    const oldest = mine.reduce<Date | undefined>((min, row) => (min && min < row.usedAt ? min : row.usedAt), undefined);
    process.stdout.write(`${kind.name.padEnd(28)}${String(mine.length).padStart(8)}${String(broken).padStart(8)}${formatBytes(sum(mine)).padStart(11)}  ${oldest?.toISOString().slice(0, 10) ?? '-'}\n`);
  }
  process.stdout.write(`${'total'.padEnd(28)}${String(rows.length).padStart(8)}${String(rows.filter((row) => row.problem).length).padStart(8)}${formatBytes(sum(rows)).padStart(11)}\n`);
  for (const row of rows) {
    if (!values.entries && !row.problem) continue;
    const state = row.lockedBy !== undefined ? `in use by process ${row.lockedBy}` : row.problem ? `BROKEN (${row.problem})` : 'ok';
    process.stdout.write(`${row.kind}  ${row.name}  ${formatBytes(row.bytes ?? 0)}  used ${row.usedAt.toISOString()}  ${state}\n`);
  }
  return ExitCode.ok;
}

async function gcCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { 'dry-run': { type: 'boolean', default: false }, 'older-than': { type: 'string' } }, strict: true });
  const dryRun = values['dry-run'];
  const olderThanDays = values['older-than'] === undefined ? undefined : Number(values['older-than']);
  if (olderThanDays !== undefined && !(Number.isFinite(olderThanDays) && olderThanDays >= 0)) {
    throw new KptrlabError('USAGE', `--older-than takes a number of days, got "${values['older-than']}"`, { hint: 'Use e.g. --older-than 30.', exitCode: ExitCode.usage });
  }
  const items: GcItem[] = [];
  const seen = new Set<string>();
  // Kinds that share a folder see the same leftovers: each path is counted once.
  const add = (found: GcItem[]) => {
    for (const item of found.filter((each) => !seen.has(each.path))) {
      seen.add(item.path);
      items.push(item);
    }
  };
  for (const kind of cacheKinds) add(await gcKind(kind, { olderThanDays, dryRun }));
  add(await sweepKernelFolders(kernelsRoot(), { dryRun }));
  for (const item of items) process.stdout.write(`${dryRun ? 'would remove' : 'removed'} ${item.path}  ${formatBytes(item.bytes)}  (${item.reason})\n`);
  process.stdout.write(`${dryRun ? 'would free' : 'freed'} ${formatBytes(items.reduce((total, item) => total + item.bytes, 0))} in ${items.length} path(s) under ${cacheRoot()}\n`);
  return ExitCode.ok;
}

/** Bytes for people: 512 B, 3.1 MB, 6.8 GB (powers of 1024). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

function sum(rows: readonly EntryRow[]): number {
  return rows.reduce((total, row) => total + (row.bytes ?? 0), 0);
}
