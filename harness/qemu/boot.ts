// One boot attempt: free port, run share, QEMU started, wait for the console marker and an SSH login.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ClientKey } from '../ssh/keys.js';
import { HostKeyPin } from '../ssh/host-key.js';
import { waitForSsh } from '../ssh/ready.js';
import type { SshSession } from '../ssh/session.js';
import { keepLog } from '../util/child.js';
import { buildQemuCommand, type QemuSpec } from './argv.js';
import { ConsoleLog } from './console.js';
import type { VmEventListener } from './events.js';
import { freePort } from './free-port.js';
import { startQemu, type QemuExit, type QemuProcess } from './process.js';
import { createRunShare, type RunShare } from './run-share.js';

export interface BootRequest {
  name: string;
  spec: Omit<QemuSpec, 'consoleLog' | 'sshPort' | 'runDir'>;
  key: ClientKey;
  /** Host folders the guest must see although its tmpfs mounts cover them. */
  keep: string[];
  timeoutMs: number;
  onEvent?: VmEventListener;
  /** Told what a failed boot left (QEMU's exit and stderr, the console tail) before the run folder goes. */
  onFailure?: (failure: BootFailure) => void;
}

export interface BootFailure {
  error: unknown;
  /** Set when QEMU ended on its own before the boot gave up (not killed by us). */
  exit?: QemuExit;
  stderr: string[];
  consoleTail: string[];
  elapsedMs: number;
}

export interface BootedVm {
  qemu: QemuProcess;
  share: RunShare;
  console: ConsoleLog;
  sshPort: number;
  pin: HostKeyPin;
  session: SshSession;
  bootMs: number;
}

/** Copies a failed boot's console log and QEMU stderr to the run's logs/ (keepLog); undefined when it cannot. */
export function keepBootFailure(name: string, consolePath: string, stderr: readonly string[]): string | undefined {
  const consoleText = existsSync(consolePath) ? readFileSync(consolePath, 'utf8') : '(no console output)\n';
  return keepLog(`boot-${name}`, `== QEMU stderr ==\n${stderr.join('\n')}\n== console ==\n${consoleText}`);
}

/** Boots once; on any failure QEMU is killed and the run folder removed before the error propagates. */
export async function bootOnce(request: BootRequest): Promise<BootedVm> {
  const share = createRunShare(request.key.publicKey, request.keep, request.spec.shares);
  const consoleLog = new ConsoleLog(join(share.dir, 'console.log'));
  let qemu: QemuProcess | undefined;
  let started = Date.now();
  try {
    const sshPort = await freePort();
    const command = buildQemuCommand({ ...request.spec, consoleLog: consoleLog.path, sshPort, runDir: share.dir });
    started = Date.now();
    qemu = startQemu(command, { name: request.name, runDir: share.dir });
    request.onEvent?.({ type: 'vm-boot-start', name: request.name, pid: qemu.pid, sshPort, consoleLog: consoleLog.path });
    const pin = new HostKeyPin();
    const running = qemu;
    const session = await waitForSsh(
      {
        markerSeen: () => consoleLog.hasLine(share.marker),
        exited: () => (running.hasExited() ? `QEMU stderr: ${running.stderrTail(5).join(' | ') || '(empty)'}` : undefined),
        consoleTail: () => consoleLog.tail(20),
      },
      { host: '127.0.0.1', port: sshPort, username: 'root', privateKey: request.key.privateKey, pin, timeoutMs: 20_000 },
      request.timeoutMs,
    );
    const bootMs = Date.now() - started;
    request.onEvent?.({ type: 'vm-ready', name: request.name, bootMs });
    return { qemu, share, console: consoleLog, sshPort, pin, session, bootMs };
  } catch (error) {
    const endedOnItsOwn = qemu?.hasExited() ?? false;
    const exit = await qemu?.kill();
    request.onFailure?.({ error, exit: endedOnItsOwn ? exit : undefined, stderr: qemu?.stderrTail(20) ?? [], consoleTail: consoleLog.tail(20), elapsedMs: Date.now() - started });
    // The run folder goes, the evidence stays: the whole console and QEMU's stderr beside the run's results.
    const kept = keepBootFailure(request.name, consoleLog.path, qemu?.stderrTail(10_000) ?? []);
    if (kept && error instanceof Error) error.message += `\n(whole console log and QEMU stderr: ${kept})`;
    rmSync(share.dir, { recursive: true, force: true });
    share.untrack();
    throw error;
  }
}
