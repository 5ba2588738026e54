// Builds the QEMU command line for one guest boot: a pure function, table-tested.
import type { Arch } from '../util/arch.js';
import { accelArgs, machineFor, type VmAccel } from './machine.js';

/** 9p mount tag of the host root; the kernel's root=/dev/root mounts it. */
export const ROOT_TAG = '/dev/root';
/** 9p mount tag of the per-run folder (keys, parameters). */
export const RUN_TAG = 'kptrlab-run';

/** A host folder shared read-only under its own 9p tag; the guest init mounts it at guestPath. */
export interface HostShare {
  tag: string;
  hostPath: string;
  guestPath: string;
}

/** Shares for host folders, tagged kptrlab-share<N>, seen at the same paths in the guest (its root is not the host's). */
export function hostShares(paths: readonly string[]): HostShare[] {
  return [...new Set(paths)].map((path, index) => ({ tag: `kptrlab-share${index}`, hostPath: path, guestPath: path }));
}

export interface QemuSpec {
  arch: Arch;
  accel: VmAccel;
  cpus: number;
  memoryMiB: number;
  kernel: string;
  initrd?: string;
  /** Extra kernel arguments appended after the generated ones. */
  append?: string[];
  /** Guest init program (a path on the host root, visible in the guest at the same path). */
  init: string;
  /** Serial console log, written from the first byte. */
  consoleLog: string;
  /** Host port forwarded to the guest's port 22, bound to 127.0.0.1 only. */
  sshPort: number;
  /** Per-run folder shared read-only. */
  runDir: string;
  /** Host folder shared as the guest's root (default "/"). */
  rootDir?: string;
  /** Extra read-only host folders (arm64: project and cache, since its root is its own rootfs). */
  shares?: readonly HostShare[];
  /** Instruction counting: guest time counts instructions (TCG only). */
  icount: boolean;
}

export interface QemuCommand {
  binary: string;
  args: string[];
}

/** Kernel command line: console, 9p root read-only, the init script, panic ends the VM. */
export function kernelCmdline(spec: QemuSpec): string {
  const { console } = machineFor(spec.arch);
  const parts = [
    `console=${console}`,
    `root=${ROOT_TAG}`,
    'rootfstype=9p',
    'rootflags=trans=virtio,version=9p2000.L,msize=512000',
    'ro',
    `init=${spec.init}`,
    // A panic reboots at once and -no-reboot turns that into a QEMU exit.
    'panic=-1',
    ...(spec.append ?? []),
  ];
  return parts.join(' ');
}

/** The full QEMU argv (binary + arguments); no shell involved. */
export function buildQemuCommand(spec: QemuSpec): QemuCommand {
  const machine = machineFor(spec.arch);
  const args = [
    ...accelArgs(spec.arch, spec.accel),
    '-smp', String(spec.cpus),
    '-m', `${spec.memoryMiB}M`,
    '-nographic', '-no-reboot',
    // -nographic would put the monitor on stdio; the console goes to a file instead.
    '-monitor', 'none',
    '-chardev', `file,id=con0,path=${qemuValue(spec.consoleLog)}`,
    '-serial', 'chardev:con0',
    '-kernel', spec.kernel,
    ...(spec.initrd ? ['-initrd', spec.initrd] : []),
    '-append', kernelCmdline(spec),
    '-netdev', `user,id=net0,hostfwd=tcp:127.0.0.1:${spec.sshPort}-:22`,
    '-device', `${machine.netDevice},netdev=net0`,
    // The long -fsdev form: QEMU 7.2 refuses -virtfs with mount_tag=/dev/root.
    '-fsdev', `local,id=root,path=${qemuValue(spec.rootDir ?? '/')},security_model=none,readonly=on,multidevs=remap`,
    '-device', `${machine.ninePDevice},fsdev=root,mount_tag=${ROOT_TAG}`,
    '-fsdev', `local,id=run,path=${qemuValue(spec.runDir)},security_model=none,readonly=on`,
    '-device', `${machine.ninePDevice},fsdev=run,mount_tag=${RUN_TAG}`,
    ...(spec.shares ?? []).flatMap((share, index) => [
      '-fsdev', `local,id=share${index},path=${qemuValue(share.hostPath)},security_model=none,readonly=on,multidevs=remap`,
      '-device', `${machine.ninePDevice},fsdev=share${index},mount_tag=${share.tag}`,
    ]),
    ...(spec.icount && spec.accel === 'tcg' ? ['-icount', 'shift=0,sleep=off'] : []),
  ];
  return { binary: machine.binary, args };
}

/** Escapes a value for QEMU's comma-separated option syntax (a comma is written twice). */
export function qemuValue(value: string): string {
  return value.replaceAll(',', ',,');
}
