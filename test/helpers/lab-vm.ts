// A simulated lab machine for tests: a QEMU x86_64 VM on a copy-on-write overlay of the cached lab image, booting the
// image's distro kernel as its default (again after a reboot or a reset), reached only over SSH on a loopback port.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kvmDeviceExists } from '../../harness/qemu/accel.js';
import { openKvmMemo } from '../../harness/qemu/accel-memo.js';
import { qemuValue, type QemuCommand } from '../../harness/qemu/argv.js';
import { freePort } from '../../harness/qemu/free-port.js';
import { labImage, type LabImage } from '../../harness/qemu/lab-image.js';
import { accelArgs, machineFor, type VmAccel } from '../../harness/qemu/machine.js';
import { startQemu, type QemuProcess } from '../../harness/qemu/process.js';
import { PinnedHostKeys } from '../../harness/ssh/known-hosts.js';
import { connectSsh, type SshSession } from '../../harness/ssh/session.js';
import { runChild } from '../../harness/util/child.js';
import { KptrlabError } from '../../harness/util/errors.js';
import { trackTempDir } from '../../harness/util/lifecycle.js';

/** The QMP script beside this file in dist/ (the machine's power control). */
export const QMP_SCRIPT = fileURLToPath(new URL('./qmp.js', import.meta.url));

export interface LabVmOptions {
  memoryMiB?: number;
  cpus?: number;
  /** Default: KVM when a remembered probe says it works on this machine, else TCG. */
  accel?: VmAccel;
  /** Until SSH answers (TCG boots the distro kernel and systemd in about a minute). */
  bootTimeoutMs?: number;
}

export interface LabVm {
  port: number;
  /** Private key file root accepts. */
  identity: string;
  hostKeyFingerprint: string;
  /** The machine's default kernel release (uname -r after a cold boot). */
  release: string;
  qmpSocket: string;
  consoleLog: string;
  /** Power control as a lab inventory would hold it: argvs run on this host. */
  hardResetArgv: string[];
  consoleArgv: string[];
  accel: VmAccel;
  accelReason: string;
  /** QEMU start → first SSH session. */
  bootMs: number;
  /** Per-VM folder (overlay, QMP socket, console log); gone after stop(). */
  dir: string;
  qemuPid: number;
  image: LabImage;
  /** A fresh root session with the pinned host key (retried until SSH answers, or timeoutMs). */
  connect(timeoutMs?: number): Promise<SshSession>;
  /** Kills QEMU's process group and removes the folder. */
  stop(): Promise<void>;
}

/** What one lab VM boot needs on the QEMU command line. */
export interface LabVmSpec {
  accel: VmAccel;
  cpus: number;
  memoryMiB: number;
  kernel: string;
  initrd: string;
  append: readonly string[];
  /** qcow2 overlay whose backing file is the cached raw image. */
  disk: string;
  sshPort: number;
  qmpSocket: string;
  consoleLog: string;
}

/** QEMU argv of a lab VM; no -no-reboot: a reboot or a reset boots the default kernel again, like a machine's firmware. */
export function labVmCommand(spec: LabVmSpec): QemuCommand {
  const machine = machineFor('x86_64');
  return {
    binary: machine.binary,
    args: [
      ...accelArgs('x86_64', spec.accel),
      '-smp', String(spec.cpus),
      '-m', `${spec.memoryMiB}M`,
      // No VGA, floppy, CD-ROM or default NIC: a headless server with one disk and one NIC.
      '-nodefaults', '-display', 'none', '-monitor', 'none',
      '-chardev', `file,id=con0,path=${qemuValue(spec.consoleLog)}`,
      '-serial', 'chardev:con0',
      '-qmp', `unix:${qemuValue(spec.qmpSocket)},server=on,wait=off`,
      '-kernel', spec.kernel,
      '-initrd', spec.initrd,
      '-append', spec.append.join(' '),
      '-drive', `file=${qemuValue(spec.disk)},format=qcow2,if=virtio`,
      '-netdev', `user,id=net0,hostfwd=tcp:127.0.0.1:${spec.sshPort}-:22`,
      '-device', `${machine.netDevice},netdev=net0`,
      // sshd and node want entropy early; under TCG the guest would otherwise wait for it.
      '-device', 'virtio-rng-pci',
    ],
  };
}

/** KVM only when an earlier probe on this machine booted with it; TCG otherwise (no probe boot here). */
export async function labAccel(): Promise<{ accel: VmAccel; reason: string }> {
  if (!kvmDeviceExists()) return { accel: 'tcg', reason: '/dev/kvm does not exist' };
  const known = (await openKvmMemo(machineFor('x86_64').binary)).known();
  if (known?.works) return { accel: 'kvm', reason: `a KVM probe worked on this machine (${known.probedAt.slice(0, 10)})` };
  return { accel: 'tcg', reason: known ? `KVM refused here: ${known.reason}` : 'no KVM probe has passed on this machine' };
}

/** Boots a lab VM from the cached image (built on first use) and waits until root can log in over SSH. */
export async function startLabVm(options: LabVmOptions = {}): Promise<LabVm> {
  const image = await labImage();
  const dir = mkdtempSync(join(tmpdir(), 'kptrlab-labvm-'));
  const untrackDir = trackTempDir(dir);
  let qemu: QemuProcess | undefined;
  const stop = async () => {
    await qemu?.kill();
    rmSync(dir, { recursive: true, force: true });
    untrackDir();
  };
  try {
    const disk = join(dir, 'disk.qcow2');
    // The cached image is only ever a read-only backing file.
    await runChild('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', image.image, '-F', 'raw', disk], { stage: 'lab VM overlay', timeoutMs: 60_000 });
    const { accel, reason } = options.accel ? { accel: options.accel, reason: 'requested by the test' } : await labAccel();
    const spec: LabVmSpec = {
      accel, cpus: options.cpus ?? 2, memoryMiB: options.memoryMiB ?? 1024, kernel: image.kernel, initrd: image.initrd, append: image.append,
      disk, sshPort: await freePort(), qmpSocket: join(dir, 'qmp.sock'), consoleLog: join(dir, 'console.log'),
    };
    const started = Date.now();
    qemu = startQemu(labVmCommand(spec), { name: 'lab-vm', runDir: dir });
    const privateKey = readFileSync(image.identity, 'utf8');
    const target = { port: spec.sshPort, privateKey, fingerprint: image.hostKeyFingerprint, consoleLog: spec.consoleLog, qemu };
    const first = await waitForSsh(target, options.bootTimeoutMs ?? 10 * 60_000);
    const bootMs = Date.now() - started;
    first.close();
    return {
      port: spec.sshPort, identity: image.identity, hostKeyFingerprint: image.hostKeyFingerprint, release: image.release,
      qmpSocket: spec.qmpSocket, consoleLog: spec.consoleLog,
      hardResetArgv: [process.execPath, QMP_SCRIPT, spec.qmpSocket, 'system_reset'],
      // Streams what the serial console prints from now on, as a console server's client would.
      consoleArgv: ['tail', '-n', '0', '-F', spec.consoleLog],
      accel, accelReason: reason, bootMs, dir, qemuPid: qemu.pid, image,
      connect: (timeoutMs = 10 * 60_000) => waitForSsh(target, timeoutMs),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Where and how to reach a lab VM's sshd, and what to quote when it never answers. */
export interface SshTarget {
  port: number;
  privateKey: string;
  fingerprint: string;
  consoleLog: string;
  qemu?: QemuProcess;
}

/** A root session once sshd answers with the pinned key; refusals are retried, a wrong key or key refusal is not. */
export async function waitForSsh(target: SshTarget, timeoutMs: number): Promise<SshSession> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    if (target.qemu?.hasExited()) {
      throw new KptrlabError('VM_EXITED', `the lab VM's QEMU exited before SSH answered: ${target.qemu.stderrTail().join(' | ') || '(no stderr)'}`, { hint: consoleHint(target.consoleLog) });
    }
    try {
      return await connectSsh({
        host: '127.0.0.1', port: target.port, username: 'root', privateKey: target.privateKey,
        pin: new PinnedHostKeys([target.fingerprint]), timeoutMs: Math.min(30_000, Math.max(1_000, deadline - Date.now())),
      });
    } catch (error) {
      if (!(error instanceof KptrlabError) || error.code !== 'SSH_REFUSED') throw error;
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  throw new KptrlabError('BOOT_HUNG', `the lab VM's sshd did not answer on 127.0.0.1:${target.port} within ${timeoutMs} ms (last: ${(last as Error | undefined)?.message ?? 'no attempt'})`, {
    hint: consoleHint(target.consoleLog),
  });
}

function consoleHint(consoleLog: string): string {
  const tail = existsSync(consoleLog) ? readFileSync(consoleLog, 'latin1').replace(/\r/g, '').trimEnd().split('\n').slice(-15).join('\n') : '(no console log)';
  return `Read the console ${consoleLog}; its last lines:\n${tail}`;
}
