// A running guest: accelerator choice with KVM fallback, SSH sessions on the pinned host key, poweroff and kill.
import { rmSync } from 'node:fs';
import { generateClientKey, type ClientKey } from '../ssh/keys.js';
import { connectSsh, type ExecOptions, type ExecResult, type SshSession } from '../ssh/session.js';
import { KptrlabError } from '../util/errors.js';
import type { AccelRequest } from './accel.js';
import { bootWithAccel } from './accel-boot.js';
import type { HostShare } from './argv.js';
import type { BootedVm } from './boot.js';
import type { VmEventListener } from './events.js';
import type { Arch } from '../util/arch.js';
import type { VmAccel } from './machine.js';
import { reapStaleVms } from './registry.js';

const EXEC_ATTEMPTS = 3;

export interface VmOptions {
  name: string;
  arch: Arch;
  kernel: string;
  initrd?: string;
  init: string;
  append?: string[];
  cpus: number;
  memoryMiB: number;
  accel: AccelRequest;
  icount: boolean;
  bootTimeoutMs: number;
  /** Host folders under /root, /var or /tmp the guest must still see (cache, project). */
  keep: string[];
  /** Host folder shared as the guest's root (default "/": the host's own root). */
  rootDir?: string;
  /** Extra host folders shared read-only (a guest whose root is not the host's). */
  shares?: HostShare[];
  onEvent?: VmEventListener;
}

let reaped = false;

export class Vm {
  private stopped = false;
  private finalConsole: string | undefined;

  private constructor(
    readonly name: string,
    readonly accel: VmAccel,
    /** Why this accelerator (QEMU's refusal, a hung probe's console tail, a remembered answer, the config, no /dev/kvm). */
    readonly accelReason: string,
    private readonly booted: BootedVm,
    private readonly key: ClientKey,
    private session: SshSession,
    private readonly onEvent: VmEventListener | undefined,
  ) {}

  /** Boots the guest (after reaping VMs left by dead runs) and returns once SSH answers; accelReason says why KVM or TCG. */
  static async boot(options: VmOptions): Promise<Vm> {
    if (!reaped) {
      reaped = true;
      for (const stale of reapStaleVms()) options.onEvent?.({ type: 'vm-stale', pid: stale.record.pid, killed: true, cmdline: stale.cmdline });
    }
    const key = generateClientKey(`kptrlab-${options.name}`);
    const { booted, accel, reason } = await bootWithAccel({
      name: options.name, key, keep: options.keep, onEvent: options.onEvent, accel: options.accel, bootTimeoutMs: options.bootTimeoutMs, probeKernel: options.kernel,
      spec: {
        arch: options.arch, cpus: options.cpus, memoryMiB: options.memoryMiB, kernel: options.kernel, initrd: options.initrd, init: options.init,
        append: options.append, icount: options.icount, rootDir: options.rootDir, shares: options.shares,
      },
    });
    return new Vm(options.name, accel, reason, booted, key, booted.session, options.onEvent);
  }

  get pid(): number {
    return this.booted.qemu.pid;
  }

  get sshPort(): number {
    return this.booted.sshPort;
  }

  get bootMs(): number {
    return this.booted.bootMs;
  }

  get consoleLog() {
    return this.booted.console;
  }

  get runDir(): string {
    return this.booted.share.dir;
  }

  /** The pinned host-key fingerprint of this boot. */
  get hostKey(): string | undefined {
    return this.booted.pin.value;
  }

  /** An open SSH session (reconnects on the same pinned host key if the last one dropped). */
  async ssh(): Promise<SshSession> {
    if (this.stopped) throw new KptrlabError('VM_STOPPED', `${this.name}: the VM was already powered off`);
    if (this.session.isClosed) {
      this.session = await connectSsh({ host: '127.0.0.1', port: this.booted.sshPort, username: 'root', privateKey: this.key.privateKey, pin: this.booted.pin, timeoutMs: 20_000 });
    }
    return this.session;
  }

  /** Runs argv in the guest with its own timeout; a channel that never opened is retried on a fresh connection. */
  async exec(argv: readonly string[], options: ExecOptions): Promise<ExecResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await (await this.ssh()).exec(argv, options);
      } catch (error) {
        // SSH_EXEC means the command never started (dropbear sometimes drops the connection after a
        // killed channel), so running it again cannot run it twice.
        if (attempt >= EXEC_ATTEMPTS || !(error instanceof KptrlabError && error.code === 'SSH_EXEC')) throw error;
        this.session.close();
        await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
      }
    }
  }

  /** Asks init to stop (reboot -f under -no-reboot ends QEMU); kills QEMU if it is still up after timeoutMs; removes the run folder. */
  async poweroff(timeoutMs = 20_000): Promise<{ graceful: boolean }> {
    if (this.stopped && this.booted.qemu.hasExited()) return { graceful: true };
    this.stopped = true;
    const qemu = this.booted.qemu;
    if (!qemu.hasExited()) {
      // The session dies with the guest, so the command's own result is not awaited.
      this.session.exec(['kill', '-USR1', '1'], { timeoutMs }).catch(() => undefined);
    }
    const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), timeoutMs).unref());
    const graceful = (await Promise.race([qemu.exited.then(() => 'exited' as const), timer])) === 'exited';
    await this.release();
    return { graceful };
  }

  /** Kills QEMU at once (no guest shutdown) and removes the run folder. */
  async kill(): Promise<void> {
    this.stopped = true;
    await this.release();
  }

  /** The console so far; after the VM stopped, its final text. */
  consoleText(): string {
    return this.finalConsole ?? this.booted.console.text();
  }

  private async release(): Promise<void> {
    this.session.close();
    const exit = await this.booted.qemu.kill();
    if (this.finalConsole === undefined) {
      this.finalConsole = this.booted.console.text();
      this.onEvent?.({ type: 'vm-exit', name: this.name, code: exit.code, signal: exit.signal });
    }
    rmSync(this.booted.share.dir, { recursive: true, force: true });
    this.booted.share.untrack();
  }
}
