// Chooses KVM or TCG: KVM only when /dev/kvm exists and a probe boot reaches the ready marker.
import { existsSync } from 'node:fs';
import { KptrlabError, ExitCode } from '../util/errors.js';
import type { VmAccel } from './machine.js';

export type AccelRequest = 'auto' | 'kvm' | 'tcg';

export interface AccelPlan {
  /** Accelerators to try in order (the first that boots wins). */
  tries: VmAccel[];
  reason: string;
}

/** The boot plan for a requested accelerator, given whether /dev/kvm exists and what an earlier probe found. */
export function planAccel(requested: AccelRequest, kvmDevice: boolean, kvmProbe: boolean | undefined): AccelPlan {
  if (requested === 'tcg') return { tries: ['tcg'], reason: 'tcg requested' };
  if (requested === 'kvm') {
    if (!kvmDevice) throw new KptrlabError('KVM_UNAVAILABLE', 'accel: kvm requested but /dev/kvm does not exist', { hint: "Use accel: auto or tcg, or load the kvm module.", exitCode: ExitCode.unavailable });
    return { tries: ['kvm'], reason: 'kvm requested' };
  }
  if (!kvmDevice) return { tries: ['tcg'], reason: '/dev/kvm does not exist' };
  if (kvmProbe === false) return { tries: ['tcg'], reason: 'an earlier KVM probe boot did not reach the ready marker' };
  return { tries: ['kvm', 'tcg'], reason: kvmProbe ? 'KVM probe boot succeeded earlier' : 'probing KVM with a real boot' };
}

/** Whether /dev/kvm exists on this machine. */
export function kvmDeviceExists(): boolean {
  return existsSync('/dev/kvm');
}

// One probe per kernel image per process: a KVM that hangs once hangs again.
const probes = new Map<string, boolean>();

/** Result of an earlier KVM probe boot of this kernel (undefined: not probed). */
export function kvmProbeResult(kernel: string): boolean | undefined {
  return probes.get(kernel);
}

/** Records a KVM probe boot's outcome. */
export function recordKvmProbe(kernel: string, ok: boolean): void {
  probes.set(kernel, ok);
}
