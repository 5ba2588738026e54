// Starts QEMU as a tracked process group that dies with the orchestrator (pdeathsig) and is recorded in the registry.
import { spawn } from 'node:child_process';
import { ARCHES, ARCH_NAMES } from '../util/arch.js';
import { KptrlabError } from '../util/errors.js';
import { addExitHook, signalGroup, trackGroup } from '../util/lifecycle.js';
import type { QemuCommand } from './argv.js';
import { registerVm } from './registry.js';

export interface QemuExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface QemuProcess {
  pid: number;
  /** Resolves when QEMU has exited (never rejects). */
  exited: Promise<QemuExit>;
  hasExited(): boolean;
  /** QEMU's own stderr (option errors, 9p problems), last lines. */
  stderrTail(count?: number): string[];
  /** SIGKILLs the process group and waits for the exit. */
  kill(): Promise<QemuExit>;
}

/** The argv that wraps QEMU in setpriv so the kernel kills it when this process dies. */
export function pdeathsigWrap(command: QemuCommand): QemuCommand {
  return { binary: 'setpriv', args: ['--pdeathsig', 'KILL', '--', command.binary, ...command.args] };
}

/** Spawns QEMU (through setpriv) in its own process group; cleanup on exit/Ctrl-C and the registry are wired in. */
export function startQemu(command: QemuCommand, identity: { name: string; runDir: string }): QemuProcess {
  const wrapped = pdeathsigWrap(command);
  const child = spawn(wrapped.binary, wrapped.args, { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  if (child.pid === undefined) {
    throw new KptrlabError('QEMU_SPAWN', `boot ${identity.name}: could not start ${command.binary}`, {
      hint: `Install QEMU (apt-get install ${ARCHES.map((arch) => ARCH_NAMES[arch].qemuPackage).join(' ')}) and util-linux (setpriv).`,
    });
  }
  const pid = child.pid;
  const untrack = trackGroup(pid);
  const unregister = registerVm({ pid, ownerPid: process.pid, name: identity.name, runDir: identity.runDir, startedAt: new Date().toISOString() });
  const removeHook = addExitHook(unregister);
  const stderr: string[] = [];
  // QEMU may write one message in several pieces ("qemu-system-x86_64:" then the rest): lines are joined across chunks.
  let partial = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    stderr.push(...lines.filter((line) => line.trim()));
    if (stderr.length > 200) stderr.splice(0, stderr.length - 200);
  });
  child.stderr?.on('end', () => {
    if (partial.trim()) stderr.push(partial);
    partial = '';
  });
  let done = false;
  const exited = new Promise<QemuExit>((resolve) => {
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      if (done) return;
      done = true;
      untrack();
      unregister();
      removeHook();
      resolve({ code, signal });
    };
    child.on('exit', finish);
    child.on('error', () => finish(null, null));
  });
  return {
    pid,
    exited,
    hasExited: () => done,
    stderrTail: (count = 10) => stderr.slice(-count),
    kill: () => {
      if (!done) signalGroup(pid, 'SIGKILL');
      return exited;
    },
  };
}
