// Per-architecture QEMU facts: binary, machine, CPU model, console device, 9p transport.
import { ARCHES, ARCH_NAMES, type Arch } from '../util/arch.js';
import { KptrlabError, ExitCode } from '../util/errors.js';

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

const MACHINES: Record<Arch, MachineSpec> = {
  x86_64: { binary: ARCH_NAMES.x86_64.qemuSystem, machine: ARCH_NAMES.x86_64.qemuMachine, console: 'ttyS0', ninePDevice: 'virtio-9p-pci', netDevice: 'virtio-net-pci' },
  arm64: { binary: ARCH_NAMES.arm64.qemuSystem, machine: ARCH_NAMES.arm64.qemuMachine, console: 'ttyAMA0', ninePDevice: 'virtio-9p-pci', netDevice: 'virtio-net-pci' },
};

/** The QEMU facts for one guest architecture. */
export function machineFor(arch: Arch): MachineSpec {
  const spec = MACHINES[arch];
  if (!spec) throw new KptrlabError('VM_ARCH', `unsupported VM architecture ${String(arch)}`, { hint: `Use arch: ${ARCHES.join(' or ')}.`, exitCode: ExitCode.usage });
  return spec;
}

/** -accel/-cpu/-M arguments: KVM uses the host CPU, TCG emulates the richest model ("max"). */
export function accelArgs(arch: Arch, accel: VmAccel): string[] {
  const spec = machineFor(arch);
  const machine = spec.machine ? ['-M', spec.machine] : [];
  return [...machine, '-accel', accel, '-cpu', accel === 'kvm' ? 'host' : 'max'];
}
