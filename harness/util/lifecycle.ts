// One place that owns every child process group and temp folder, so Ctrl-C or a crash leaves nothing behind.
import { rmSync } from 'node:fs';
import { ExitCode } from './errors.js';

const liveGroups = new Set<number>();
const tempDirs = new Set<string>();
const exitHooks = new Set<() => void>();
let installed = false;
let interrupts = 0;

/** Sends a signal to a whole process group, ignoring groups that are already gone. */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group has already exited.
  }
}

/** Registers a child's process group so interrupts and exit reach it. */
export function trackGroup(pid: number): () => void {
  installHandlers();
  liveGroups.add(pid);
  return () => liveGroups.delete(pid);
}

/** Registers a temp folder that is removed at exit, whatever the reason. */
export function trackTempDir(path: string): () => void {
  installHandlers();
  tempDirs.add(path);
  return () => tempDirs.delete(path);
}

/** True once SIGINT/SIGTERM arrived: callers stop starting new work and report 'interrupted'. */
export function isInterrupted(): boolean {
  return interrupts > 0;
}

/** Registers a synchronous hook run at exit (e.g. mark a results file interrupted); returns its remover. */
export function addExitHook(hook: () => void): () => void {
  installHandlers();
  exitHooks.add(hook);
  return () => exitHooks.delete(hook);
}

/** Kills every tracked group and removes every tracked temp folder (synchronous: runs in 'exit'). */
export function cleanupNow(signal: NodeJS.Signals = 'SIGKILL'): void {
  for (const pid of liveGroups) signalGroup(pid, signal);
  liveGroups.clear();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

function installHandlers(): void {
  if (installed) return;
  installed = true;
  process.on('exit', () => {
    for (const hook of exitHooks) {
      try {
        hook();
      } catch {
        // An exit hook must never keep the others (or the cleanup) from running.
      }
    }
    cleanupNow('SIGKILL');
  });
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts += 1;
    // First interrupt asks children to stop; the second kills them at once.
    if (interrupts === 1 && liveGroups.size > 0) {
      process.stderr.write(`kptrlab: ${signal} received, stopping ${liveGroups.size} child process group(s); press Ctrl-C again to kill\n`);
      for (const pid of liveGroups) signalGroup(pid, 'SIGTERM');
      setTimeout(() => process.exit(ExitCode.interrupted), 5000).unref();
      return;
    }
    process.exit(ExitCode.interrupted);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
