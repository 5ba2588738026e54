// An exclusive lock file holding the owner's pid; a dead owner's lock is taken over, a live one is waited for.
import { open, readFile, rm } from 'node:fs/promises';
import { KptrlabError } from './errors.js';

/** A held lock; release() removes the file if it is still ours. */
export interface HeldLock {
  path: string;
  release: () => Promise<void>;
}

/** True when a process with this pid exists. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes `path`, waiting up to `waitMs` for a live holder (onWait reports it once); throws LOCK_BUSY after that. */
export async function acquireLock(path: string, waitMs: number, onWait?: (holderPid: number) => void): Promise<HeldLock> {
  const deadline = Date.now() + waitMs;
  let reported = false;
  for (;;) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(`${process.pid}\n${new Date().toISOString()}\n`);
      await handle.close();
      return { path, release: () => releaseIfOurs(path) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await liveHolder(path);
    if (holder === undefined) {
      // The holder died (SIGKILL, crash) or the file is half-written: the lock is stale.
      await rm(path, { force: true });
      continue;
    }
    if (holder === process.pid) {
      // Waiting on ourselves would hang until the deadline: a nesting bug, say so at once.
      throw new KptrlabError('LOCK_REENTRANT', `${path} is already held by this process`, { hint: 'This is a kptrlab bug: report it with the command line.' });
    }
    if (Date.now() >= deadline) {
      throw new KptrlabError('LOCK_BUSY', `${path} is held by running process ${holder}`, {
        hint: `Wait for process ${holder} to finish (or stop it); the next run reuses its result.`,
      });
    }
    if (!reported) onWait?.(holder);
    reported = true;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** The live process holding the lock at `path`; undefined when there is no lock file or its holder is gone. */
export async function liveHolder(path: string): Promise<number | undefined> {
  const holder = Number.parseInt((await readFile(path, 'utf8').catch(() => '')).split('\n')[0] ?? '', 10);
  return Number.isInteger(holder) && pidAlive(holder) ? holder : undefined;
}

async function releaseIfOurs(path: string): Promise<void> {
  const text = await readFile(path, 'utf8').catch(() => '');
  if (Number.parseInt(text, 10) === process.pid) await rm(path, { force: true });
}
