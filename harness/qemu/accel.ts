// Chooses KVM or TCG and says why: KVM only when /dev/kvm exists and no remembered probe says it fails; the why is recorded.
import { existsSync } from 'node:fs';
import { KptrlabError, ExitCode } from '../util/errors.js';
import type { VmAccel } from './machine.js';

export type AccelRequest = 'auto' | 'kvm' | 'tcg';

/** Set to 1 to ignore a remembered KVM probe and boot a probe again (the new answer replaces the old). */
export const REPROBE_ENV = 'KPTRLAB_REPROBE_KVM';

export interface AccelPlan {
  /** Accelerators to try in order (the first that boots wins). */
  tries: VmAccel[];
  reason: string;
}

/** A KVM probe's answer remembered on this machine (accel-memo.ts). */
export interface RememberedProbe {
  reason: string;
  probedAt: string;
  /** The memo file; deleting it makes the next run probe again (undefined: kept by this process only). */
  path?: string;
}

/** What a failed probe boot left behind: QEMU's exit and stderr, or the console of a guest that hung. */
export interface ProbeFailure {
  binary: string;
  /** The boot error's code (VM_EXITED, BOOT_HUNG, SSH_REFUSED, ...). */
  code: string;
  message: string;
  /** Set when QEMU ended on its own (not killed by us). */
  exit?: { code: number | null; signal: string | null };
  stderr: string[];
  consoleTail: string[];
  elapsedMs: number;
  timeoutMs: number;
}

const LINE_MAX = 200;
const TAIL_LINES = 5;

/** How to make the next run probe again, for messages. */
export function reprobeHint(path: string | undefined): string {
  if (!path) return 'remembered by this process only: QEMU did not tell its version';
  return `remembered in ${path}; ${REPROBE_ENV}=1 or deleting that file probes again`;
}

/** The boot plan for a requested accelerator, given /dev/kvm and what an earlier probe found (remembered: where and why). */
export function planAccel(requested: AccelRequest, kvmDevice: boolean, kvmProbe: boolean | undefined, remembered?: RememberedProbe): AccelPlan {
  if (requested === 'tcg') return { tries: ['tcg'], reason: 'TCG requested by the config (accel: tcg)' };
  if (requested === 'kvm') {
    if (!kvmDevice) throw new KptrlabError('KVM_UNAVAILABLE', 'accel: kvm requested but /dev/kvm does not exist', { hint: "Use accel: auto or tcg, or load the kvm module.", exitCode: ExitCode.unavailable });
    return { tries: ['kvm'], reason: 'KVM requested by the config (accel: kvm)' };
  }
  if (!kvmDevice) return { tries: ['tcg'], reason: '/dev/kvm does not exist' };
  if (kvmProbe === false) {
    return { tries: ['tcg'], reason: remembered ? `KVM refused on this machine (probe of ${day(remembered.probedAt)}, ${reprobeHint(remembered.path)}): ${remembered.reason}` : 'an earlier KVM probe boot failed' };
  }
  if (kvmProbe) return { tries: ['kvm', 'tcg'], reason: remembered ? `KVM worked on this machine (probe of ${day(remembered.probedAt)}, ${reprobeHint(remembered.path)})` : 'KVM probe boot succeeded earlier' };
  return { tries: ['kvm', 'tcg'], reason: 'probing KVM with a real boot' };
}

/** Why a KVM probe boot failed, in one line: QEMU's own stderr and exit when it ended, else the console tail of the hung guest. */
export function describeKvmFailure(failure: ProbeFailure): string {
  const after = `${(failure.elapsedMs / 1000).toFixed(1)} s`;
  if (failure.exit) {
    const ended = failure.exit.signal ? `was killed by ${failure.exit.signal}` : `exited with code ${failure.exit.code ?? '?'}`;
    const stderr = joinLines(failure.stderr);
    const consoleNote = stderr ? '' : `; last console lines: ${joinLines(failure.consoleTail) || '(console empty)'}`;
    return `${failure.binary} ${ended} after ${after}: ${stderr || '(no stderr)'}${consoleNote}`;
  }
  if (failure.code === 'BOOT_HUNG') {
    return `the probe boot hung: no ready marker within ${(failure.timeoutMs / 1000).toFixed(0)} s; last console lines: ${joinLines(failure.consoleTail) || '(console empty)'}`;
  }
  return `the probe boot failed after ${after} [${failure.code}]: ${clip(failure.message.split('\n')[0] ?? '')}`;
}

/** The reason recorded with TCG after a probe failed: the failure, and where it is remembered (undefined: not remembered). */
export function kvmRefusedReason(failure: string, remembered: { path?: string } | undefined): string {
  const note = remembered ? reprobeHint(remembered.path) : 'not remembered: TCG failed to boot this guest too, so the guest may be at fault';
  return `KVM refused (${note}): ${failure}`;
}

/** The reason recorded with KVM after a probe boot reached the marker. */
export function kvmWorkedReason(bootMs: number, memoPath: string | undefined): string {
  return `KVM probe boot reached the ready marker in ${(bootMs / 1000).toFixed(1)} s (${reprobeHint(memoPath)})`;
}

/** Whether /dev/kvm exists on this machine. */
export function kvmDeviceExists(): boolean {
  return existsSync('/dev/kvm');
}

// Last lines, each clipped, joined on one line: enough to name the problem, short enough for a progress line.
function joinLines(lines: readonly string[]): string {
  return lines
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .slice(-TAIL_LINES)
    .map(clip)
    .join(' | ');
}

function clip(line: string): string {
  return line.length > LINE_MAX ? `${line.slice(0, LINE_MAX - 1)}…` : line;
}

function day(iso: string): string {
  return iso.slice(0, 10) || 'unknown date';
}
