// KCIDB's character rules (I/O schema v5.3) applied to kptrlab's names: ids "<origin>:<anything but NUL>",
// dot-separated test paths of [a-zA-Z0-9_-] parts, statuses from the schema's enum, benchmark numbers with units.
import type { CellResult } from '../results/model.js';
import type { ItemOutcome } from './test-items.js';

export const KCIDB_ORIGIN = 'kptrlab';
export const KCIDB_VERSION = { major: 5, minor: 3 } as const;

// The schema caps log excerpts at 16 KiB characters.
const EXCERPT_MAX = 16384;

export type KcidbStatus = 'FAIL' | 'ERROR' | 'MISS' | 'PASS' | 'DONE' | 'SKIP';

/** DONE: a benchmark figure without a verdict on the code (the schema's word for a performance measurement). */
export const KCIDB_STATUS: Record<ItemOutcome, KcidbStatus> = { pass: 'PASS', fail: 'FAIL', error: 'ERROR', skip: 'SKIP', measured: 'DONE', missed: 'MISS' };

/** "kptrlab:<part>:<part>...": the origin prefix the schema requires, NUL removed from the parts. */
export function kcidbId(...parts: string[]): string {
  return [KCIDB_ORIGIN, ...parts.map(withoutNul)].join(':');
}

/** One node of a test path: characters outside [a-zA-Z0-9_-] become "_" (a dot would start a new node). */
export function pathNode(name: string): string {
  const node = name.replace(/[^a-zA-Z0-9_-]+/g, '_').replace(/^_+|_+$/g, '');
  return node || '_';
}

/** "bpf.<node>.<node>": each part made a valid node. */
export function testPath(...parts: string[]): string {
  return ['bpf', ...parts.map(pathNode)].join('.');
}

/** Free text the schema allows anything but NUL in. */
export function withoutNul(text: string): string {
  return text.replace(/\0/g, '');
}

/** A log excerpt within the schema's length cap; the end is kept (the verifier's decisive lines are last). */
export function logExcerpt(text: string): string {
  const clean = withoutNul(text);
  return clean.length <= EXCERPT_MAX ? clean : `…${clean.slice(clean.length - EXCERPT_MAX + 1)}`;
}

/** The cell's per-access median as a KCIDB number: real ns as seconds with a metric prefix; icount-ns and tcg-ns as they are (not time). */
export function cellNumber(cell: CellResult): { value: number; unit: string; prefix?: 'metric' } | undefined {
  if (!cell.perAccess) return undefined;
  if (cell.unit === 'ns') return { value: cell.perAccess.median / 1e9, unit: 's', prefix: 'metric' };
  return { value: cell.perAccess.median, unit: cell.unit };
}

/** Architecture as the schema spells it: lower case letters, digits and "_". */
export function kcidbArchitecture(arch: string): string {
  return arch.toLowerCase().replace(/[^a-z0-9_]/g, '_');
}
