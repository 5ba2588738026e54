// One LAVA job definition per lab machine target, as a plain object (written out with the yaml package).
// Power, serial and the boot loader's own commands are the lab's device dictionary; the job only picks a flow.
import type { LavaDevice } from '../config/machines.js';
import { quoteArg } from '../ssh/quote.js';
import type { Arch } from '../util/arch.js';
import { lavaJobName, type LavaPlan } from './lava-plan.js';

/** The built kernel as the job fetches it. */
export interface LavaKernel {
  url: string;
  sha256: string;
  arch: Arch;
  /** Words added to the kernel command line (the target's kernel.append). */
  append: string[];
}

export interface LavaJobInput {
  plan: LavaPlan;
  device: LavaDevice;
  kernel: LavaKernel;
  /** The kptrlab test definition's run steps (lava-shell.ts). */
  testSteps: string[];
  /** The inventory's execTimeoutSec: one agent run may take this long. */
  execTimeoutSec: number;
}

/** Where the kexec flow puts the kernel on the running machine before kexec loads it. */
export const KEXEC_KERNEL_DIR = '/var/tmp/kptrlab-kernel';
const BOOT_MINUTES = 10;

const minutes = (value: number) => ({ minutes: Math.max(1, Math.ceil(value)) });

/** What every boot waits for: the shell prompts, after LAVA's login when the system asks for one. */
function bootEnd(device: LavaDevice) {
  const login = device.login;
  const autoLogin = login ? { auto_login: { login_prompt: login.prompt, username: login.username, ...(login.password !== undefined ? { password_prompt: login.passwordPrompt, password: login.password } : {}) } } : {};
  return { prompts: device.prompts, ...autoLogin };
}

function inlineDefinition(name: string, description: string, steps: string[]) {
  return {
    from: 'inline',
    name,
    path: `inline/${name}.yaml`,
    repository: { metadata: { format: 'Lava-Test Test Definition 1.0', name, description }, run: { steps } },
  };
}

// A tarball's compression as LAVA names it, from the URL's suffix.
function compressionOf(url: string): string | undefined {
  const match = /\.(xz|gz|bz2|zst)$/.exec(url);
  return match ? ({ xz: 'xz', gz: 'gz', bz2: 'bz2', zst: 'zstd' } as const)[match[1] as 'xz' | 'gz' | 'bz2' | 'zst'] : undefined;
}

/** kexec: the machine runs Linux; the kernel is fetched onto it and kexec'd with its own command line plus append. */
function kexecActions(input: LavaJobInput) {
  const { kernel, device } = input;
  const path = `${KEXEC_KERNEL_DIR}/${kernel.sha256}.kernel`;
  const fetch = [
    `mkdir -p ${KEXEC_KERNEL_DIR}`,
    `curl -fsSL --retry 3 -o ${quoteArg(path)} ${quoteArg(kernel.url)} && echo ${quoteArg(`${kernel.sha256}  ${path}`)} | sha256sum -c --quiet -`,
  ];
  // LAVA joins command, options and kernel into one shell line on the machine: each option is quoted here.
  const options = ['--reuse-cmdline', ...(kernel.append.length ? [`--append=${quoteArg(kernel.append.join(' '))}`] : [])];
  return [
    { deploy: { to: 'overlay', timeout: minutes(5) } },
    { boot: { method: 'minimal', ...bootEnd(device), timeout: minutes(BOOT_MINUTES) } },
    { test: { timeout: minutes(10), definitions: [inlineDefinition('kptrlab-fetch-kernel', 'fetch the kernel under test onto the running machine', fetch)] } },
    { boot: { method: 'kexec', kernel: path, command: 'kexec', options, boot_message: 'Linux version', ...bootEnd(device), timeout: minutes(BOOT_MINUTES) } },
  ];
}

/** u-boot or grub: the board boots the kernel over TFTP with its root over NFS (the lab's commands named nfs). */
function tftpActions(input: LavaJobInput) {
  const { kernel, device } = input;
  const compression = compressionOf(device.nfsrootfs ?? '');
  const kernelImage = { url: kernel.url, sha256sum: kernel.sha256, ...(device.boot === 'u-boot' ? { type: kernel.arch === 'arm64' ? 'image' : 'zimage' } : {}) };
  const deploy = {
    to: 'tftp',
    kernel: kernelImage,
    nfsrootfs: { url: device.nfsrootfs!, ...(compression ? { compression } : {}) },
    ...(device.dtb ? { dtb: { url: device.dtb } } : {}),
    os: 'debian',
    timeout: minutes(10),
  };
  const boot = { method: device.boot, commands: 'nfs', ...bootEnd(device), timeout: minutes(BOOT_MINUTES) };
  return [{ deploy }, { boot }];
}

/** The job: the flow for the device's boot method, then the kptrlab test action. */
export function lavaJob(input: LavaJobInput): Record<string, unknown> {
  const { plan, device } = input;
  const testMinutes = (plan.steps.length * input.execTimeoutSec) / 60 + 10;
  const flow = device.boot === 'kexec' ? kexecActions(input) : tftpActions(input);
  const test = { test: { timeout: minutes(testMinutes), definitions: [inlineDefinition('kptrlab', `kptrlab verifier matrix and benchmark on ${plan.target}`, input.testSteps)] } };
  return {
    job_name: lavaJobName(plan),
    device_type: device.deviceType,
    ...(device.tags.length ? { tags: device.tags } : {}),
    priority: 'medium',
    visibility: 'public',
    // The merge reads these back: which target of which config this job ran.
    metadata: { 'kptrlab.target': plan.target, 'kptrlab.config': plan.config.file, 'kptrlab.config-hash': plan.config.hash, 'kptrlab.commit': plan.kptrlab.commit },
    timeouts: { job: minutes(testMinutes + 3 * BOOT_MINUTES + 20), action: minutes(BOOT_MINUTES), connection: minutes(2) },
    actions: [...flow, test],
  };
}
