// The compiler, linker and pahole a build uses, their versions (part of the cache key) and make's arguments.
import { cpus } from 'node:os';
import { runChild } from '../util/child.js';
import { ARCH_NAMES, type Arch } from '../util/arch.js';
import { KptrlabError } from '../util/errors.js';

/** make arguments and environment for one architecture. */
export interface MakeEnv {
  arch: Arch;
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

/** Returns make's ARCH/CROSS_COMPILE/-j arguments and where the image lands, for `arch` on this host. */
export function makeEnv(arch: Arch, jobs = cpus().length): MakeEnv {
  const names = ARCH_NAMES[arch];
  const vars: Record<string, string> = { ARCH: names.kernelMake };
  if (names.crossCompile) vars.CROSS_COMPILE = names.crossCompile;
  const makeArgs = [`-j${jobs}`, ...Object.entries(vars).map(([k, v]) => `${k}=${v}`)];
  return { arch, makeArgs, vars, imagePath: names.kernelImagePath, imageTarget: names.kernelImage };
}

/** Reads the version lines of gcc, ld, pahole and make; a missing tool is an infrastructure error. */
export async function toolchainInfo(arch: Arch): Promise<ToolchainInfo> {
  const prefix = ARCH_NAMES[arch].crossCompile;
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
