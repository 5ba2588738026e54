// Runs make in a build tree: waits out orphaned builders, counts CC/LD lines, marks the tree while compiling.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runChild } from '../util/child.js';
import { KptrlabError } from '../util/errors.js';
import type { KernelEventSink } from './events.js';
import { isStepLine } from './make-progress.js';
import type { Arch } from '../util/arch.js';
import type { MakeEnv } from './toolchain.js';
import { waitTreeIdle } from './tree-users.js';
import { beginCompile, endCompile } from './worktree.js';

/** Runs `make <image>` in `tree`, emitting progress; returns the CC/LD count. `estimates` holds per-arch full-build counts. */
export async function compile(tree: string, estimates: string, env: MakeEnv, arch: Arch, fresh: boolean, log: (line: string) => void, emit: KernelEventSink): Promise<number> {
  const estimateFile = join(estimates, `steps-${arch}.txt`);
  const expected = fresh ? Number.parseInt(await readFile(estimateFile, 'utf8').catch(() => ''), 10) || undefined : undefined;
  const t0 = Date.now();
  let done = 0;
  let lastEmit = 0;
  await beginCompile(tree);
  await runChild('make', [...env.makeArgs, env.imageTarget], {
    stage: 'kernel build',
    cwd: tree,
    timeoutMs: 4 * 3_600_000,
    onLine: (line) => {
      log(line);
      if (!isStepLine(line)) return;
      done += 1;
      // Throttle: reporters redraw at most a few times a second.
      if (Date.now() - lastEmit > 250) {
        lastEmit = Date.now();
        emit({ kind: 'progress', stage: 'compile', done, expected, elapsedMs: Date.now() - t0 });
      }
    },
  });
  // Only a finished make clears the mark: after any failure (a signal included) the next build repairs first.
  await endCompile(tree);
  emit({ kind: 'progress', stage: 'compile', done, expected: expected ?? done, elapsedMs: Date.now() - t0 });
  if (fresh) await writeFile(estimateFile, String(done));
  return done;
}

// The lock's holder can die (SIGKILL) while its make, in a process group of its own, keeps writing the tree.
/** Waits until no process from an earlier, killed run still works in `tree`; TREE_BUSY after `waitMs`. */
export async function ensureTreeIdle(tree: string, waitMs: number, emit: KernelEventSink): Promise<void> {
  const left = await waitTreeIdle(tree, waitMs, (pids) =>
    emit({ kind: 'note', message: `waiting for process(es) ${pids.join(', ')} still running in ${tree} (left by a killed run)` }),
  );
  if (left.length > 0) {
    throw new KptrlabError('TREE_BUSY', `process(es) ${left.join(', ')} still run in the build tree ${tree}`, {
      hint: `Wait for them to finish, or stop them (kill ${left.join(' ')}) and run again.`,
    });
  }
}
