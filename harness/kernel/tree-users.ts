// Finds processes still working inside a build tree (e.g. make orphaned when its kptrlab was SIGKILLed).
import { readdir, readlink } from 'node:fs/promises';

/** Pids of live processes whose working directory is `tree` or below it (Linux /proc). */
export async function processesInTree(tree: string): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    const cwd = await readlink(`/proc/${name}/cwd`).catch(() => '');
    if (cwd === tree || cwd.startsWith(`${tree}/`)) pids.push(Number(name));
  }
  return pids;
}

/** Waits until no process works in `tree`; calls onWait once with the pids; gives up after `waitMs`. */
export async function waitTreeIdle(tree: string, waitMs: number, onWait: (pids: number[]) => void): Promise<number[]> {
  const deadline = Date.now() + waitMs;
  let reported = false;
  for (;;) {
    const pids = await processesInTree(tree);
    if (pids.length === 0 || Date.now() >= deadline) return pids;
    if (!reported) onWait(pids);
    reported = true;
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}
