// The compiler, linker and pahole a build uses, their versions (part of the cache key) and make's arguments.
import { cpus } from 'node:os';
import { runChild } from '../util/child.js';
import { KptrlabError } from '../util/errors.js';

/** Architectures the builder supports. */
export type KernelArch = 'x86_64' | 'arm64';

/** make arguments and environment for one architecture. */
export interface MakeEnv {
  arch: KernelArch;
  makeArgs: string[];
  vars: Record<string, string>;
  imagePath: string;
  imageTarget: string;
}

/** Version lines of every tool that shapes the output. */
export interface ToolchainInfo {
  gcc: string;
  ld: string;
  pahole: string;
  make: string;
}

const crossPrefix: Record<KernelArch, string> = { x86_64: '', arm64: 'aarch64-linux-gnu-' };

/** Returns make's ARCH/CROSS_COMPILE/-j arguments and where the image lands, for `arch` on this host. */
export function makeEnv(arch: KernelArch, jobs = cpus().length): MakeEnv {
  const vars: Record<string, string> = { ARCH: arch };
  if (crossPrefix[arch]) vars.CROSS_COMPILE = crossPrefix[arch];
  const makeArgs = [`-j${jobs}`, ...Object.entries(vars).map(([k, v]) => `${k}=${v}`)];
  const image = arch === 'x86_64' ? { imagePath: 'arch/x86/boot/bzImage', imageTarget: 'bzImage' } : { imagePath: 'arch/arm64/boot/Image', imageTarget: 'Image' };
  return { arch, makeArgs, vars, ...image };
}

/** Reads the version lines of gcc, ld, pahole and make; a missing tool is an infrastructure error. */
export async function toolchainInfo(arch: KernelArch): Promise<ToolchainInfo> {
  const prefix = crossPrefix[arch];
  const first = async (file: string, args: string[]) => {
    const result = await runChild(file, args, { stage: `${file} --version`, allowFailure: true }).catch(() => undefined);
    if (!result || result.exitCode !== 0) {
      throw new KptrlabError('TOOLCHAIN_MISSING', `${file} is not available for ${arch} builds`, {
        hint: 'Install the kernel build packages: apt-get install $(cat scripts/kernel-deps.txt).',
      });
    }
    return result.stdout.split('\n')[0]!.trim();
  };
  return {
    gcc: await first(`${prefix}gcc`, ['--version']),
    ld: await first(`${prefix}ld`, ['--version']),
    pahole: await first('pahole', ['--version']),
    make: await first('make', ['--version']),
  };
}
