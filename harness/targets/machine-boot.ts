// Booting a built kernel on a lab machine (LKP's flow: kexec -l, sync, kexec -e, wait for SSH) and getting the machine
// back to its default kernel afterwards, by reboot or, when it does not come back, by its hard-reset command.
import { randomBytes } from 'node:crypto';
import { openSync, readSync, closeSync, fstatSync } from 'node:fs';
import type { MachinePower } from '../ssh/known-hosts.js';
import type { BootRecord } from '../results/model.js';
import type { SshSession } from '../ssh/session.js';
import { KptrlabError } from '../util/errors.js';
import { markHealth } from './machine-health.js';
import { consoleAtFailure, hardReset, startConsole, type ConsoleCapture } from './machine-power.js';

/** What identifies one boot of the machine. */
export interface BootState {
  bootId: string;
  cmdline: string;
  release: string;
  version: string;
}

export interface BootContext {
  machine: string;
  /** One connection attempt on the pinned host key (throws SSH_REFUSED while the machine is down). */
  connect(): Promise<SshSession>;
  bootTimeoutSec: number;
  power: MachinePower;
  console?: readonly string[];
  stage(text: string): void;
  healthDir?: string;
}

/** A kernel that did not come up; the machine was recovered (or given up on) before this was thrown. */
export class KernelBootFailure extends KptrlabError {
  constructor(message: string, readonly record: BootRecord, readonly consoleTail: string, hint: string) {
    super('KERNEL_BOOT_FAILED', message, { hint });
  }
}

const SEPARATOR = '--kptrlab--';

/** boot_id, command line, release and /proc/version of the running kernel, in one command. */
export async function readBootState(session: SshSession): Promise<BootState> {
  const script = `cat /proc/sys/kernel/random/boot_id; echo ${SEPARATOR}; cat /proc/cmdline; echo ${SEPARATOR}; uname -r; echo ${SEPARATOR}; cat /proc/version`;
  const result = await session.exec(['sh', '-c', script], { timeoutMs: 30_000 });
  const [bootId = '', cmdline = '', release = '', version = ''] = result.stdout.split(`${SEPARATOR}\n`).map((part) => part.trim());
  if (result.exitCode !== 0 || !bootId) throw new KptrlabError('MACHINE_COMMAND', `could not read the running kernel's boot id and command line: ${result.stderr.trim().slice(0, 200)}`);
  return { bootId, cmdline, release, version };
}

/** A fresh boot marker: kptrlab.boot=<random id>. */
export function newBootMarker(): string {
  return `kptrlab.boot=${randomBytes(6).toString('hex')}`;
}

/** The kexec'd kernel's command line: the machine's own, without its boot loader's words or an old marker, plus append and the marker. */
export function kexecCommandLine(current: string, append: readonly string[], marker: string): string {
  const own = current.split(/\s+/).filter((word) => word && !/^(BOOT_IMAGE|initrd|kptrlab\.boot)=/.test(word));
  return [...own, ...append, marker].join(' ');
}

/** The "Linux version <release> ..." banner compiled into a vmlinux (what /proc/version prints), or undefined. */
export function kernelBanner(vmlinux: string, release?: string): string | undefined {
  const fd = openSync(vmlinux, 'r');
  try {
    const size = fstatSync(fd).size;
    const needle = Buffer.from(`Linux version ${release ?? ''}`);
    const chunk = Buffer.alloc(8 * 1024 * 1024);
    // Read in overlapping chunks: the banner may straddle a boundary.
    for (let offset = 0; offset < size; offset += chunk.length - 512) {
      const read = readSync(fd, chunk, 0, chunk.length, offset);
      const view = chunk.subarray(0, read);
      for (let at = view.indexOf(needle); at >= 0; at = view.indexOf(needle, at + 1)) {
        const end = view.indexOf(0x0a, at);
        const text = view.subarray(at, end < 0 ? Math.min(read, at + 512) : end).toString('latin1');
        // The banner itself, not a format string ("Linux version %s") or a stray copy.
        if (/^Linux version \d\S* \(.*\) #\d/.test(text)) return text;
      }
      if (read < chunk.length) break;
    }
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Why the state is not the kernel that was kexec'd (undefined when it is). */
export function notTheBootedKernel(state: BootState, marker: string, banner: string | undefined): string | undefined {
  if (!state.cmdline.split(/\s+/).includes(marker)) return `the machine came up without kptrlab's marker ${marker} on its command line (running ${state.release}: ${state.cmdline})`;
  if (banner && state.version.trim() !== banner.trim()) return `the running kernel's /proc/version (${state.version.trim()}) is not the built kernel's banner (${banner.trim()})`;
  return undefined;
}

/** The first session on a boot other than previousBootId, or undefined when none came within timeoutMs. */
export async function waitForNextBoot(ctx: BootContext, previousBootId: string, timeoutMs: number): Promise<{ session: SshSession; state: BootState } | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    let session: SshSession | undefined;
    try {
      session = await ctx.connect();
      const state = await readBootState(session);
      if (state.bootId !== previousBootId) return { session, state };
    } catch (error) {
      // A changed host key is never a machine still booting.
      if (error instanceof KptrlabError && error.code === 'SSH_HOST_KEY') throw error;
    }
    session?.close();
    await new Promise((resolve) => setTimeout(resolve, Math.min(3_000, Math.max(0, deadline - Date.now()))));
  }
  return undefined;
}

export interface KexecRequest {
  variant: string;
  /** The kernel image, already on the machine. */
  remoteImage: string;
  append: readonly string[];
  /** The built vmlinux's banner, when found: the booted kernel's /proc/version must equal it. */
  banner?: string;
}

/**
 * kexec -l, sync, kexec -e, then a session on the new kernel once it is verified. When it does not come up the machine is
 * brought back (hard reset) and its health marked before KernelBootFailure is thrown; the old session is always closed.
 */
export async function kexecInto(ctx: BootContext, session: SshSession, defaults: BootState, request: KexecRequest): Promise<{ session: SshSession; state: BootState; record: BootRecord }> {
  const marker = newBootMarker();
  const cmdline = kexecCommandLine(defaults.cmdline, request.append, marker);
  const record: BootRecord = { variant: request.variant, marker, cmdline, defaultRelease: defaults.release, outcome: 'failed', health: 'good' };
  const load = await session.exec(['kexec', '-l', request.remoteImage, `--command-line=${cmdline}`], { timeoutMs: 120_000 });
  if (load.exitCode !== 0) {
    session.close();
    throw new KptrlabError('KEXEC_LOAD_FAILED', `${ctx.machine}: kexec -l of ${request.variant} failed (exit ${load.exitCode}): ${load.stderr.trim().slice(0, 300)}`, {
      hint: 'The machine still runs its default kernel. Check that its kernel allows kexec (CONFIG_KEXEC, no lockdown or kexec_load_disabled) and that the image is for its arch.',
    });
  }
  const capture = ctx.console ? startConsole(ctx.console) : undefined;
  try {
    ctx.stage(`kexec into ${request.variant} (${marker}), waiting up to ${ctx.bootTimeoutSec} s for SSH`);
    await session.exec(['sync'], { timeoutMs: 120_000 });
    const started = Date.now();
    // kexec -e does not return when it works: the old kernel (and this connection) is gone.
    const execute = await session.exec(['kexec', '-e'], { timeoutMs: 15_000 }).catch(() => undefined);
    session.close();
    if (execute && execute.exitCode !== null && execute.exitCode !== 0) {
      throw new KptrlabError('KEXEC_EXEC_FAILED', `${ctx.machine}: kexec -e failed (exit ${execute.exitCode}): ${execute.stderr.trim().slice(0, 300)}`, { hint: 'The machine still runs its default kernel; see the message for why kexec refused.' });
    }
    const next = await waitForNextBoot(ctx, defaults.bootId, ctx.bootTimeoutSec * 1000);
    if (next) {
      const wrong = notTheBootedKernel(next.state, marker, request.banner);
      if (!wrong) {
        Object.assign(record, { outcome: 'booted', bootMs: Date.now() - started, version: next.state.version });
        ctx.stage(`kernel ${next.state.release} up in ${((Date.now() - started) / 1000).toFixed(1)} s, verified by ${marker}${request.banner ? ' and its banner' : ''}`);
        return { ...next, record };
      }
      record.failure = wrong;
      next.session.close();
      // It came back on a kernel of its own (a panic that rebooted, a watchdog): no reset needed when it is the default.
      if (onDefault(next.state, defaults, marker)) {
        record.recovery = 'came-back';
        record.returned = true;
        throw await failure(ctx, record, capture, `${request.variant} did not stay up: ${wrong}`);
      }
    } else {
      record.failure = `no SSH within ${ctx.bootTimeoutSec} s of kexec -e`;
    }
    // The console as it was when the kernel failed, before the reset adds the default kernel's boot to it.
    const tail = await consoleAtFailure(capture, ctx.console);
    await recover(ctx, defaults, record);
    throw await failure(ctx, record, tail, `${request.variant} did not come up on ${ctx.machine}: ${record.failure}`);
  } finally {
    capture?.stop();
  }
}

/** Reboots a machine running a kexec'd kernel back to its default (hard reset when the reboot does not bring it back). */
export async function returnToDefault(ctx: BootContext, session: SshSession, booted: BootState, defaults: BootState, record: BootRecord): Promise<void> {
  const started = Date.now();
  ctx.stage(`back to the default kernel ${defaults.release}: ${ctx.power.reboot.join(' ')}`);
  // Like kexec -e, a reboot may end the connection before the command answers.
  await session.exec(ctx.power.reboot, { timeoutMs: 30_000 }).catch(() => undefined);
  session.close();
  const next = await waitForNextBoot(ctx, booted.bootId, ctx.bootTimeoutSec * 1000);
  next?.session.close();
  if (next && onDefault(next.state, defaults, record.marker)) {
    Object.assign(record, { recovery: 'reboot', returned: true, returnMs: Date.now() - started });
    ctx.stage(`back on ${next.state.release} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return;
  }
  record.failure = next ? `after the reboot it runs ${next.state.release} (${next.state.cmdline}), not its default ${defaults.release}` : `no SSH within ${ctx.bootTimeoutSec} s of the reboot`;
  await recover(ctx, defaults, record);
  if (record.returned) record.returnMs = Date.now() - started;
}

/** The console's last panic, oops or BUG line, the one a person would look for first. */
export function lastPanicLine(consoleText: string): string | undefined {
  return consoleText.split('\n').reverse().find((line) => /Kernel panic|BUG:|Oops|general protection fault|Unable to mount root/.test(line) && !line.startsWith('---['))?.trim();
}

function onDefault(state: BootState, defaults: BootState, marker: string): boolean {
  return state.release === defaults.release && !state.cmdline.split(/\s+/).includes(marker);
}

// Hard reset, then wait for the default kernel; the machine's health says whether that worked. Never throws.
async function recover(ctx: BootContext, defaults: BootState, record: BootRecord): Promise<void> {
  const giveUp = (why: string) => {
    Object.assign(record, { recovery: 'none', returned: false, health: 'bad' });
    markHealth(ctx.machine, 'bad', why, ctx.healthDir);
    ctx.stage(`machine ${ctx.machine} marked bad: ${why}`);
  };
  if (!ctx.power.hardReset) return giveUp(`${record.failure}; no power.hardReset is configured, so kptrlab stops using it`);
  ctx.stage(`hard reset: ${ctx.power.hardReset.join(' ')}`);
  try {
    await hardReset(ctx.machine, ctx.power.hardReset, ctx.power.resetTimeoutSec);
  } catch (error) {
    return giveUp(`${record.failure}; ${error instanceof Error ? error.message : String(error)}`);
  }
  const back = await waitForNextBoot(ctx, defaults.bootId, ctx.bootTimeoutSec * 1000).catch(() => undefined);
  back?.session.close();
  if (!back || !onDefault(back.state, defaults, record.marker)) {
    return giveUp(`${record.failure}; after the hard reset ${back ? `it runs ${back.state.release}, not ${defaults.release}` : `no SSH within ${ctx.bootTimeoutSec} s`}`);
  }
  Object.assign(record, { recovery: 'hard-reset', returned: true, health: 'good' });
  markHealth(ctx.machine, 'good', `recovered by hard reset after: ${record.failure}`, ctx.healthDir);
  ctx.stage(`back on the default kernel ${back.state.release} after the hard reset`);
}

// The failure with the console's tail (read now from a capture, or as read before a reset) and its last panic line.
async function failure(ctx: BootContext, record: BootRecord, console: ConsoleCapture | string | undefined, message: string): Promise<KernelBootFailure> {
  const tail = typeof console === 'string' ? console : await consoleAtFailure(console, ctx.console);
  const said = lastPanicLine(tail);
  if (said) message = `${message}; its console said: ${said}`;
  const hint = record.health === 'bad'
    ? `Machine ${ctx.machine} is marked bad and skipped by later runs: bring it back by hand, then \`kptrlab machine check ${ctx.machine}\` marks it good.`
    : `The machine is back on its default kernel ${record.defaultRelease}. ${tail ? 'The console tail is in the error record.' : ctx.console ? 'The console command printed nothing.' : 'Configure console: on the machine to keep its boot output.'}`;
  return new KernelBootFailure(message, record, tail, hint);
}
