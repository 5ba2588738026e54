// A kernel's own selftests: the pristine tree with the kernel variant's patches applied to its selftests folder only.
// The rest of the tree is linked, not copied, so a series that adds or changes a selftest is tested by the kernel it ships in.
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ResolvedSource } from '../kernel/source.js';
import { applyOps, type PatchOp } from '../kernel/series.js';
import { cached, entryPath, type CacheKind } from '../util/cached.js';
import { runChild } from '../util/child.js';
import { hashParts } from '../util/hash.js';
import { SELFTESTS_DIR } from './tree.js';

/** Selftest trees with a variant's patches: selftests/overlay-<key>/tree (selftests folder copied, the rest linked). */
export const selftestOverlays: CacheKind = { name: 'selftests/overlay', dir: 'selftests', match: /^overlay-[0-9a-f]{16}$/, expect: ['.complete'] };

/** The source the selftests come from: the pristine one, or an overlay when the patches touch the selftests folder. */
export interface SelftestSource extends ResolvedSource {
  /** Patch files whose selftests part is applied (empty: the pristine tree). */
  patches: string[];
}

/** The sections of a unified diff that change files under `prefix` (a/ b/ stripped); empty when none does. */
export function diffPartUnder(diff: string, prefix: string): string {
  const lines = diff.split('\n');
  const keep: string[] = [];
  let inside = false;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    // A file section starts at "diff --git", or at a "---" line directly followed by "+++" (plain diff -u).
    const starts = line.startsWith('diff --git ') || (line.startsWith('--- ') && lines[index + 1]?.startsWith('+++ ') && !lines[index - 1]?.startsWith('diff --git ') && !lines[index - 1]?.startsWith('index '));
    if (starts) inside = sectionPaths(lines, index).some((path) => path.startsWith(`${prefix}/`));
    else if (line.startsWith('-- ') && line.trim() === '--') inside = false;
    if (inside) keep.push(line);
  }
  while (keep.length && keep.at(-1) === '') keep.pop();
  return keep.length ? `${keep.join('\n')}\n` : '';
}

// Paths named by a file section's header lines, without the a/ b/ prefix ("/dev/null" dropped).
function sectionPaths(lines: readonly string[], start: number): string[] {
  const paths: string[] = [];
  const git = /^diff --git a\/(\S+) b\/(\S+)/.exec(lines[start]!);
  if (git) paths.push(git[1]!, git[2]!);
  for (let index = start; index < Math.min(lines.length, start + 8); index++) {
    const header = /^(?:---|\+\+\+) (\S+)/.exec(lines[index]!);
    if (header && header[1] !== '/dev/null') paths.push(header[1]!.replace(/^[^/]+\//, ''));
  }
  return paths;
}

/** The selftests tree for a kernel built with `ops` on `source`: the pristine one when no op touches the selftests folder. */
export async function selftestSource(source: ResolvedSource, ops: readonly PatchOp[]): Promise<SelftestSource> {
  const parts = await Promise.all(ops.map(async (op) => ({ op, text: diffPartUnder(await readFile(op.patch, 'utf8'), SELFTESTS_DIR) })));
  const touching = parts.filter((part) => part.text);
  if (!touching.length) return { ...source, patches: [] };
  const id = hashParts([source.id, ...touching.map((part) => `${part.op.reverse ? 'R' : 'F'}:${hashParts([part.text])}`)]);
  const dir = entryPath(selftestOverlays, `overlay-${id.slice(0, 16)}`);
  await cached(selftestOverlays, dir, async (entry) => {
    const tree = join(entry, 'tree');
    await linkAllBut(source.tree, tree, SELFTESTS_DIR.split('/'));
    await runChild('cp', ['-a', '--reflink=auto', join(source.tree, SELFTESTS_DIR), join(tree, SELFTESTS_DIR)], { stage: 'copy the selftests folder' });
    await mkdir(join(entry, 'patches'));
    const filtered: PatchOp[] = [];
    for (const [index, part] of touching.entries()) {
      const path = join(entry, 'patches', `${String(index + 1).padStart(4, '0')}-${basename(part.op.patch)}`);
      await writeFile(path, part.text);
      filtered.push({ patch: path, reverse: part.op.reverse });
    }
    // Only the selftests part is applied, so nothing outside the copied folder (the linked pristine tree) can change.
    await applyOps(tree, filtered);
    await writeFile(join(entry, '.complete'), `${source.id}\n`);
  });
  return {
    id,
    tree: join(dir, 'tree'),
    describe: `${source.describe} + the selftests part of ${touching.map((part) => `${part.op.reverse ? 'reversed ' : ''}${basename(part.op.patch)}`).join(', ')}`,
    patches: touching.map((part) => basename(part.op.patch)),
  };
}

// Recreates the folders along `path` under `into` and links every other entry to the pristine tree's.
async function linkAllBut(from: string, into: string, path: readonly string[]): Promise<void> {
  await mkdir(into, { recursive: true });
  if (!path.length) return;
  const [next, ...rest] = path;
  for (const name of await readdir(from)) {
    if (name !== next) await symlink(join(from, name), join(into, name));
  }
  if (rest.length) await linkAllBut(join(from, next!), join(into, next!), rest);
}
