// Waits until a booting guest answers SSH: console marker first, then a successful login, within the boot timeout.
import { KptrlabError } from '../util/errors.js';
import { connectSsh, type ConnectOptions, type SshSession } from './session.js';

export interface ReadinessProbe {
  /** True once the guest printed its ready marker. */
  markerSeen(): boolean;
  /** Set when QEMU already exited (no point in waiting). */
  exited(): string | undefined;
  /** Last console lines, for the error message. */
  consoleTail(): string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Retries until the marker is on the console and an SSH login works; BOOT_HUNG (with the console tail) after timeoutMs. */
export async function waitForSsh(probe: ReadinessProbe, connect: ConnectOptions, timeoutMs: number): Promise<SshSession> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const exited = probe.exited();
    if (exited) {
      throw new KptrlabError('VM_EXITED', `boot failed: QEMU exited before SSH was ready (${exited})\n${probe.consoleTail().join('\n')}`, {
        hint: 'The console tail above shows where the guest stopped (kernel panic, missing init, bad QEMU option).',
      });
    }
    if (probe.markerSeen()) {
      try {
        return await connectSsh({ ...connect, timeoutMs: Math.max(1000, Math.min(connect.timeoutMs, deadline - Date.now())) });
      } catch (error) {
        // A refused connection right after the marker is a race with the server's start; auth and host-key errors are final.
        if (error instanceof KptrlabError && error.code !== 'SSH_REFUSED') throw error;
        lastError = error;
      }
    }
    await sleep(200);
  }
  const seen = probe.markerSeen();
  throw new KptrlabError(
    seen ? 'SSH_REFUSED' : 'BOOT_HUNG',
    `${seen ? 'SSH refused: the guest printed its ready marker but SSH did not answer' : 'boot hung: no ready marker on the console'} within ${timeoutMs} ms; last console lines:\n${probe.consoleTail().join('\n')}`,
    { hint: seen ? 'Check the dropbear lines on the console.' : 'Raise bootTimeoutMs (TCG is slow), or read the console tail for where the boot stopped.', cause: lastError },
  );
}
