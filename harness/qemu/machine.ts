// Per-architecture QEMU facts: binary, machine, CPU model, console device, 9p transport.
import { KptrlabError, ExitCode } from '../util/errors.js';

export type VmArch = 'x86_64' | 'arm64';
export type VmAccel = 'kvm' | 'tcg';

export interface MachineSpec {
  binary: string;
  /** -M value (undefined: QEMU's default machine). */
  machine: string | undefined;
  /** Guest serial console device name for console=. */
  console: string;
  /** PCI 9p device (virtio-9p-pci works on both q35/pc and virt). */
  ninePDevice: string;
  netDevice: string;
}

const MACHINES: Record<VmArch, MachineSpec> = {
  x86_64: { binary: 'qemu-system-x86_64', machine: undefined, console: 'ttyS0', ninePDevice: 'virtio-9p-pci', netDevice: 'virtio-net-pci' },
  arm64: { binary: 'qemu-system-aarch64', machine: 'virt', console: 'ttyAMA0', ninePDevice: 'virtio-9p-pci', netDevice: 'virtio-net-pci' },
};

/** The QEMU facts for one guest architecture. */
export function machineFor(arch: VmArch): MachineSpec {
  const spec = MACHINES[arch];
  if (!spec) throw new KptrlabError('VM_ARCH', `unsupported VM architecture ${String(arch)}`, { hint: 'Use arch: x86_64 or arm64.', exitCode: ExitCode.usage });
  return spec;
}

/** -accel/-cpu/-M arguments: KVM uses the host CPU, TCG emulates the richest model ("max"). */
export function accelArgs(arch: VmArch, accel: VmAccel): string[] {
  const spec = machineFor(arch);
  const machine = spec.machine ? ['-M', spec.machine] : [];
  return [...machine, '-accel', accel, '-cpu', accel === 'kvm' ? 'host' : 'max'];
}
