// Boots with the planned accelerator: a KVM probe first when allowed, TCG after a refusal; the answer and why are remembered per machine.
import { KptrlabError } from '../util/errors.js';
import { describeKvmFailure, kvmDeviceExists, kvmRefusedReason, kvmWorkedReason, planAccel, type AccelRequest } from './accel.js';
import { openKvmMemo } from './accel-memo.js';
import { bootOnce, type BootFailure, type BootRequest, type BootedVm } from './boot.js';
import { machineFor, type VmAccel } from './machine.js';

// KVM that cannot boot a kernel hangs early; a probe gives up well before a TCG boot would.
export const KVM_PROBE_TIMEOUT_MS = 60_000;

export interface AccelBootRequest extends Omit<BootRequest, 'spec' | 'timeoutMs' | 'onFailure'> {
  spec: Omit<BootRequest['spec'], 'accel'>;
  accel: AccelRequest;
  bootTimeoutMs: number;
  /** The kernel image named in the memo (which boot decided). */
  probeKernel?: string;
}

export interface AccelBoot {
  booted: BootedVm;
  accel: VmAccel;
  /** Why this accelerator: QEMU's own refusal, a hung probe's console, a remembered answer, the config, or no /dev/kvm. */
  reason: string;
}

/** Boots once per planned accelerator until one works; announces the choice and its reason as a vm-accel event. */
export async function bootWithAccel(request: AccelBootRequest): Promise<AccelBoot> {
  const binary = machineFor(request.spec.arch).binary;
  const kvmDevice = kvmDeviceExists();
  const memo = request.accel === 'auto' && kvmDevice ? await openKvmMemo(binary) : undefined;
  const known = memo?.known();
  const plan = planAccel(request.accel, kvmDevice, known?.works, known);
  const announce = (accel: VmAccel, reason: string) => request.onEvent?.({ type: 'vm-accel', accel, reason });
  let refusal: string | undefined;
  let lastError: unknown;
  for (const accel of plan.tries) {
    const probing = accel === 'kvm' && plan.tries.length > 1;
    const timeoutMs = probing ? Math.min(KVM_PROBE_TIMEOUT_MS, request.bootTimeoutMs) : request.bootTimeoutMs;
    let failure: BootFailure | undefined;
    try {
      const booted = await bootOnce({ ...request, spec: { ...request.spec, accel }, timeoutMs, onFailure: (found) => (failure = found) });
      let reason = plan.reason;
      if (probing && !known?.works) {
        memo?.remember({ works: true, reason: `probe boot reached the ready marker in ${(booted.bootMs / 1000).toFixed(1)} s`, probeKernel: request.probeKernel });
        reason = kvmWorkedReason(booted.bootMs, memo?.path);
      } else if (refusal !== undefined) {
        // TCG booted the same guest, so the refusal was KVM's, not the kernel's: remember it.
        memo?.remember({ works: false, reason: refusal, probeKernel: request.probeKernel });
        reason = kvmRefusedReason(refusal, { path: memo?.path });
      }
      announce(accel, reason);
      return { booted, accel, reason };
    } catch (error) {
      lastError = error;
      if (!probing) {
        if (refusal !== undefined) announce(accel, kvmRefusedReason(refusal, undefined));
        throw error;
      }
      refusal = describeKvmFailure({
        binary, code: error instanceof KptrlabError ? error.code : 'BOOT_FAILED', message: error instanceof Error ? error.message : String(error),
        exit: failure?.exit, stderr: failure?.stderr ?? [], consoleTail: failure?.consoleTail ?? [], elapsedMs: failure?.elapsedMs ?? 0, timeoutMs,
      });
    }
  }
  throw lastError;
}
