// Applies or reverse-applies an ordered patch series with `patch`, naming the patch, file and hunk on failure.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { runChild } from '../util/child.js';
import { KptrlabError } from '../util/errors.js';
import { hashParts } from '../util/hash.js';

/** One step of a variant: a patch file applied forwards or in reverse. */
export interface PatchOp {
  patch: string;
  reverse: boolean;
}

/** A PatchOp with the patch's content hash (what cache keys and tree state record). */
export interface HashedOp extends PatchOp {
  sha256: string;
  files: string[];
}

/** Where a patch stopped applying, parsed from `patch` output. */
export interface PatchFailure {
  file: string | undefined;
  hunks: string[];
  detail: string;
}

/** Reads each patch, hashing it and listing the files it touches. */
export async function hashOps(ops: readonly PatchOp[]): Promise<HashedOp[]> {
  return Promise.all(
    ops.map(async (op) => {
      const text = await readFile(op.patch, 'utf8').catch((error: unknown) => {
        throw new KptrlabError('SERIES_MISSING_PATCH', `patch file ${op.patch} cannot be read`, {
          hint: 'Fix the patch name in kernels.series of the config, or restore the file under config/patches/.',
          cause: error,
          exitCode: 2,
        });
      });
      return { ...op, sha256: hashParts([text]), files: touchedFiles(text) };
    }),
  );
}

/** Paths (without the a/ b/ prefix) a unified diff changes. */
export function touchedFiles(diff: string): string[] {
  const files = new Set<string>();
  for (const match of diff.matchAll(/^\+\+\+ (\S+)/gm)) {
    const path = match[1]!;
    if (path !== '/dev/null') files.add(path.replace(/^[^/]+\//, ''));
  }
  return [...files];
}

/** Parses GNU patch's output into the file and hunks that failed. */
export function parsePatchFailure(output: string): PatchFailure {
  let file: string | undefined;
  let failedFile: string | undefined;
  const hunks: string[] = [];
  for (const line of output.split('\n')) {
    const checking = /^(?:checking|patching) file '?([^']+?)'?$/.exec(line.trim());
    if (checking) file = checking[1];
    const hunk = /^Hunk #(\d+) FAILED at (\d+)/.exec(line.trim());
    if (hunk) {
      failedFile = file;
      hunks.push(`hunk #${hunk[1]} (at line ${hunk[2]})`);
    }
    const missing = /can't find file to patch|No such file/.test(line);
    if (missing && !failedFile) failedFile = file ?? '(file named in the patch header)';
    if (/Reversed \(or previously applied\) patch detected/.test(line) && !failedFile) failedFile = file;
  }
  return { file: failedFile ?? file, hunks, detail: output.trim().split('\n').slice(-6).join('\n') };
}

/** Applies ops in order in `tree`; each is dry-run first so a failing patch leaves the tree unchanged. */
export async function applyOps(tree: string, ops: readonly PatchOp[], onApplied?: (op: PatchOp) => void): Promise<void> {
  for (const op of ops) {
    // --force (not --batch): never guess that a patch is "reversed" and silently flip the direction.
    const args = ['-p1', '--force', '--fuzz=0', '--no-backup-if-mismatch', '-i', op.patch, ...(op.reverse ? ['--reverse'] : [])];
    const dry = await runChild('patch', [...args, '--dry-run'], { stage: `patch ${basename(op.patch)}`, cwd: tree, allowFailure: true });
    if (dry.exitCode !== 0) throw seriesError(op, parsePatchFailure(`${dry.stdout}\n${dry.stderr}`));
    await runChild('patch', [...args, '--quiet'], { stage: `patch ${basename(op.patch)}`, cwd: tree });
    onApplied?.(op);
  }
}

function seriesError(op: PatchOp, failure: PatchFailure): KptrlabError {
  const how = op.reverse ? 'reverse-apply' : 'apply';
  const where = `${failure.file ?? 'unknown file'}${failure.hunks.length ? `, ${failure.hunks.join(', ')}` : ''}`;
  return new KptrlabError('SERIES_PATCH_FAILED', `patch ${basename(op.patch)} does not ${how}: ${where}\n${failure.detail}`, {
    hint: `Refresh ${basename(op.patch)} against this source (or drop it from the variant in config/ab.yaml).`,
    exitCode: 1,
  });
}
