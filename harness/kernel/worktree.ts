// The build tree every variant of one (source, arch, config) shares: a copy of the pristine source whose
// patch state is switched in place, so make rebuilds only what the series touched.
import { copyFile, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { runChild } from '../util/child.js';
import { applyOps, type HashedOp } from './series.js';
import { unpackOnce } from './unpack.js';

const stateFile = '.kptrlab-series.json';

/** The series state recorded in a tree ("dirty" while patches are being switched). */
interface TreeState {
  clean: boolean;
  ops: Array<{ sha256: string; reverse: boolean }>;
  files: string[];
}

/** Copies the pristine source into `treeDir/src` once; returns the tree path. */
export async function ensureTree(treeDir: string, pristine: string): Promise<string> {
  await unpackOnce(treeDir, async (staging) => {
    await runChild('cp', ['-a', '--reflink=auto', `${pristine}/.`, join(staging, 'src')], { stage: 'copy source tree', timeoutMs: 30 * 60_000 });
    await writeState(join(staging, 'src'), { clean: true, ops: [], files: [] });
  });
  return join(treeDir, 'src');
}

/** True when the tree already carries exactly `ops`. */
export async function treeHasOps(tree: string, ops: readonly HashedOp[]): Promise<boolean> {
  const state = await readState(tree);
  return state.clean && sameOps(state.ops, ops);
}

/** Brings the tree to `ops`: restores touched files from pristine, then applies the series; a crash mid-way is repaired next time. */
export async function switchSeries(tree: string, pristine: string, ops: readonly HashedOp[]): Promise<'unchanged' | 'switched'> {
  const state = await readState(tree);
  if (state.clean && sameOps(state.ops, ops)) return 'unchanged';
  const files = [...new Set([...state.files, ...ops.flatMap((op) => op.files)])];
  await writeState(tree, { clean: false, ops: state.ops, files });
  for (const file of files) {
    await mkdir(dirname(join(tree, file)), { recursive: true });
    // A file the pristine tree lacks was created by a patch: removing it restores the pristine state.
    await copyFile(join(pristine, file), join(tree, file)).catch(() => rm(join(tree, file), { force: true }));
  }
  await applyOps(tree, ops);
  await writeState(tree, { clean: true, ops: ops.map((op) => ({ sha256: op.sha256, reverse: op.reverse })), files });
  return 'switched';
}

function sameOps(a: TreeState['ops'], b: readonly HashedOp[]): boolean {
  return a.length === b.length && a.every((op, i) => op.sha256 === b[i]!.sha256 && op.reverse === b[i]!.reverse);
}

async function readState(tree: string): Promise<TreeState> {
  try {
    return JSON.parse(await readFile(join(tree, stateFile), 'utf8')) as TreeState;
  } catch {
    // No state: treat as dirty so every file a series may touch is restored.
    return { clean: false, ops: [], files: [] };
  }
}

async function writeState(tree: string, state: TreeState): Promise<void> {
  await writeFile(join(tree, stateFile), `${JSON.stringify(state)}\n`);
}

const compilingMarker = '.kptrlab-compiling';

/** Marks the tree as compiling; a marker left behind means make was killed mid-way. */
export async function beginCompile(tree: string): Promise<void> {
  await writeFile(join(tree, compilingMarker), `${process.pid}\n`);
}

/** Clears the compiling mark once make has succeeded. */
export async function endCompile(tree: string): Promise<void> {
  await rm(join(tree, compilingMarker), { force: true });
}

/** After a killed make, deletes the outputs it may have left half-written; returns true if it had to. */
export async function repairInterruptedCompile(tree: string): Promise<boolean> {
  const marker = join(tree, compilingMarker);
  const present = await readFile(marker).then(() => true, () => false);
  if (!present) return false;
  const found = await runChild('find', [tree, '-newer', marker, '-type', 'f', '(', '-name', '*.o', '-o', '-name', '*.a', '-o', '-name', 'vmlinux*', '-o', '-name', '.tmp_vmlinux*', '-o', '-name', '*Image*', ')'], {
    stage: 'repair interrupted build',
    timeoutMs: 10 * 60_000,
  });
  for (const path of found.stdout.split('\n').filter(Boolean)) {
    if (await completedByKbuild(path)) continue;
    await rm(path, { force: true });
  }
  await rm(marker, { force: true });
  return true;
}

// Kbuild writes .<name>.cmd only after the command succeeded: an object without a .cmd at least as new may be truncated.
async function completedByKbuild(path: string): Promise<boolean> {
  const name = basename(path);
  if (!name.endsWith('.o') && !name.endsWith('.a')) return false;
  const [output, cmd] = await Promise.all([stat(path), stat(join(dirname(path), `.${name}.cmd`)).catch(() => undefined)]);
  return cmd !== undefined && cmd.mtimeMs >= output.mtimeMs;
}
