// A QEMU guest as a target: boots on preflight, runs the agent over SSH on the host's root (9p), scans the console for splats.
import { dirname } from 'node:path';
import type { AgentEvent, AgentRequest } from '../agent/protocol.js';
import { kvmDeviceExists } from '../qemu/accel.js';
import { prepareArm64Guest, type GuestRoot } from '../qemu/arm64-guest.js';
import { guestBtf } from '../qemu/guest-btf.js';
import { hostShares } from '../qemu/argv.js';
import type { VmEventListener } from '../qemu/events.js';
import type { Arch } from '../util/arch.js';
import { Vm } from '../qemu/vm.js';
import type { TargetResult } from '../results/model.js';
import { scanSplats, type Splat } from '../results/splat.js';
import { KptrlabError } from '../util/errors.js';
import { cacheRoot, projectPath, projectRoot } from '../util/paths.js';
import { agentBundle } from './agent-bundle.js';
import { AgentStream } from './agent-stream.js';
import { hostMachine, timeUnitFor, type ProgramRun, type Target } from './target.js';

export interface QemuTargetOptions {
  name: string;
  arch: Arch;
  kernel: {
    image: string;
    /** vmlinux or raw BTF for compiling BPF; omitted: the guest's /sys/kernel/btf/vmlinux is copied out at preflight. */
    btfPath?: string;
    release?: string;
  };
  initrd?: string;
  cpus: number;
  memoryMiB: number;
  accel: 'auto' | 'kvm' | 'tcg';
  icount: boolean;
  bootTimeoutMs: number;
  execTimeoutMs: number;
  /** Guest init script (default vm-images/<arch>/init.sh). */
  init?: string;
  /** The guest's own root (arm64: built at preflight when not given); without it the guest shares the host's root. */
  guestRoot?: GuestRoot;
  onEvent?: VmEventListener;
}

export class QemuTarget implements Target {
  /** acceleratorReason is set when the accelerator is chosen at boot (also when the boot then fails). */
  readonly info: TargetResult['target'];
  private vm: Vm | undefined;
  private guestRoot: GuestRoot | undefined;
  private fetchedBtf: string | undefined;
  private found: Splat[] = [];
  private scannedUpTo = 0;

  constructor(private readonly options: QemuTargetOptions) {
    const accelerator = options.accel === 'auto' ? (kvmDeviceExists() ? 'kvm' : 'tcg') : options.accel;
    this.info = {
      name: options.name,
      kind: 'qemu',
      accelerator,
      timeUnit: timeUnitFor(accelerator, options.icount),
      kernelRelease: options.kernel.release ?? 'unknown',
      arch: options.arch,
    };
  }

  get btfPath(): string {
    const path = this.options.kernel.btfPath ?? this.fetchedBtf;
    if (!path) throw new KptrlabError('BTF_NOT_READY', `${this.options.name}: the guest BTF is copied out at preflight, which has not run`, { hint: 'Call preflight() before compiling, or set kernel.btfPath.' });
    return path;
  }

  /** The running VM (after preflight). */
  get machine(): Vm | undefined {
    return this.vm;
  }

  /** Boots the guest, waits for SSH, records the accelerator (and why) and kernel release, fetches BTF if needed. */
  async preflight(): Promise<void> {
    if (this.vm) return;
    const { options } = this;
    // x86_64 runs on the host's root; arm64 cannot (x86 binaries) and gets its own Debian rootfs.
    const guest = options.guestRoot ?? (options.arch === 'arm64' ? await prepareArm64Guest() : undefined);
    this.guestRoot = guest;
    this.vm = await Vm.boot({
      name: options.name, arch: options.arch, kernel: options.kernel.image, initrd: options.initrd,
      init: options.init ?? guest?.init ?? projectPath('vm-images', options.arch, 'init.sh'), cpus: options.cpus, memoryMiB: options.memoryMiB,
      accel: options.accel, icount: options.icount, bootTimeoutMs: options.bootTimeoutMs,
      // The agent reads the cache and the project at the host's paths, under the guest's tmpfs mounts too.
      keep: guest ? [] : [cacheRoot(), projectRoot, dirname(process.execPath)],
      onEvent: (event) => {
        // Recorded as soon as it is known, so a boot that fails after a KVM refusal still says why.
        if (event.type === 'vm-accel') this.noteAccelerator(event.accel, event.reason);
        options.onEvent?.(event);
      },
      rootDir: guest?.rootDir, shares: guest ? hostShares([projectRoot, cacheRoot()]) : undefined,
    });
    this.noteAccelerator(this.vm.accel, this.vm.accelReason);
    const uname = await this.vm.exec(['uname', '-r'], { timeoutMs: options.execTimeoutMs });
    this.info.kernelRelease = uname.stdout.trim();
    if (!options.kernel.btfPath) this.fetchedBtf = await this.copyGuestBtf();
  }

  /** Runs the agent bundle (`node dist/agent/kptrlab-agent.mjs -`) in the guest with the request on stdin; NDJSON lines become events. */
  async runAgent(request: AgentRequest, onEvent: (event: AgentEvent) => void): Promise<void> {
    const vm = this.requireVm();
    const stream = new AgentStream(onEvent);
    let result;
    try {
      result = await vm.exec(this.agentCommand(), { timeoutMs: this.options.execTimeoutMs, stdin: JSON.stringify(request), onStdoutLine: stream.line });
    } finally {
      this.scanConsole();
    }
    const splats = this.found.map((splat) => splat.line).slice(-3).join('\n');
    stream.assertFinished(`agent ${request.op} in ${this.options.name}`, String(result.exitCode ?? result.signal ?? 'unknown: the connection to the guest was lost'), result.stderr, splats ? `\nkernel splats:\n${splats}` : '');
  }

  /** Runs a program in the guest over SSH (the host root is the guest's /, so host paths work on x86_64). */
  async runProgram(argv: readonly string[], timeoutMs: number): Promise<ProgramRun> {
    try {
      const result = await this.requireVm().exec(argv, { timeoutMs });
      return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
    } finally {
      this.scanConsole();
    }
  }

  /** The agent's argv in the guest: the guest's own node when it has its own root, else the host's node over 9p. */
  agentCommand(): string[] {
    const guest = this.guestRoot ?? this.options.guestRoot;
    const env = Object.entries(guest?.agentEnv ?? {}).map(([key, value]) => `${key}=${value}`);
    return ['env', `KPTRLAB_CACHE=${cacheRoot()}`, ...env, guest?.node ?? process.execPath, agentBundle(), '-'];
  }

  machineIdentity() {
    const { options } = this;
    return { ...hostMachine(), guest: `qemu ${options.arch}, ${options.cpus} vCPU, ${options.memoryMiB} MiB, ${this.info.accelerator}${this.info.timeUnit === 'icount-ns' ? ' with icount' : ''}` };
  }

  /** The guest console's last lines (kept when the guest dies or hangs mid-suite). */
  consoleTail(lines = 40): string {
    if (!this.vm) return '';
    return this.vm.consoleText().trimEnd().split('\n').slice(-lines).join('\n');
  }

  /** Kernel splats found on the guest console so far. */
  splats(): Splat[] {
    this.scanConsole();
    return [...this.found];
  }

  /** Powers the guest off (kills it if it does not stop), removes its files; safe to call twice. */
  async teardown(): Promise<void> {
    const vm = this.vm;
    if (!vm) return;
    await vm.poweroff();
    this.scanConsole();
  }

  private noteAccelerator(accel: 'kvm' | 'tcg', reason: string): void {
    this.info.accelerator = accel;
    this.info.acceleratorReason = reason;
    this.info.timeUnit = timeUnitFor(accel, this.options.icount);
  }

  private scanConsole(): void {
    if (!this.vm) return;
    const text = this.vm.consoleText();
    // Whole lines only: a splat being printed right now is picked up on the next scan.
    const end = text.lastIndexOf('\n') + 1;
    if (end <= this.scannedUpTo) return;
    const fresh = scanSplats(text.slice(this.scannedUpTo, end));
    this.scannedUpTo = end;
    for (const splat of fresh) {
      this.found.push(splat);
      this.options.onEvent?.({ type: 'vm-splat', name: this.options.name, kind: splat.kind, line: splat.line });
    }
  }

  private requireVm(): Vm {
    if (!this.vm) throw new KptrlabError('VM_NOT_BOOTED', `${this.options.name}: runAgent before preflight`, { hint: 'Call preflight() first.' });
    return this.vm;
  }

  // Cached by kernel image + release: the same kernel always has the same BTF.
  private async copyGuestBtf(): Promise<string> {
    return guestBtf(this.options.kernel.image, this.info.kernelRelease, async (dest) => (await this.requireVm().ssh()).download('/sys/kernel/btf/vmlinux', dest));
  }
}
