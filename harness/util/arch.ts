// The one place that names architectures: kptrlab's own name (the kernel's, as in configs, cache keys and results) and every tool's spelling of it.
import { ExitCode, KptrlabError } from './errors.js';

/** An architecture kptrlab builds kernels for and boots guests of, spelled as configs and results spell it. */
export type Arch = 'x86_64' | 'arm64';

/** Every architecture, in the order help texts and configs list them. */
export const ARCHES: readonly Arch[] = ['x86_64', 'arm64'];

/** How each tool spells one architecture. */
export interface ArchNames {
  /** ARCH= for the kernel's make (x86_64, not x86: it makes tinyconfig 64-bit) and for tools/lib/bpf. */
  kernelMake: string;
  /** The folder under arch/ in a kernel tree (the kernel's SRCARCH). */
  kernelSrc: string;
  /** make target of the bootable image. */
  kernelImage: string;
  /** Where make leaves that image, relative to the build tree. */
  kernelImagePath: string;
  /** CROSS_COMPILE= on this project's x86_64 build host: its GNU triplet and a dash, or '' for a native build. */
  crossCompile: string;
  /** The name in clang's -D__TARGET_ARCH_<name>, which bpf_tracing.h reads. */
  bpfTarget: string;
  /** test_loader's __arch_<NAME> tag in the selftests. */
  selftest: 'X86_64' | 'ARM64';
  /** What `uname -m` prints on such a machine. */
  uname: string;
  /** Node's process.arch. */
  node: string;
  /** Debian's architecture (dpkg, apt, mmdebstrap). */
  debian: string;
  /** Debian's kernel metapackage for it. */
  debianKernel: string;
  /** The QEMU system emulator binary. */
  qemuSystem: string;
  /** The Debian package that carries that binary. */
  qemuPackage: string;
  /** -M value (undefined: QEMU's default machine). */
  qemuMachine: string | undefined;
  /** The qemu-user emulator, also the name of its binfmt_misc entry. */
  qemuUser: string;
}

/** Every spelling of every architecture. */
export const ARCH_NAMES = {
  x86_64: {
    kernelMake: 'x86_64',
    kernelSrc: 'x86',
    kernelImage: 'bzImage',
    kernelImagePath: 'arch/x86/boot/bzImage',
    crossCompile: '',
    bpfTarget: 'x86',
    selftest: 'X86_64',
    uname: 'x86_64',
    node: 'x64',
    debian: 'amd64',
    debianKernel: 'linux-image-amd64',
    qemuSystem: 'qemu-system-x86_64',
    qemuPackage: 'qemu-system-x86',
    qemuMachine: undefined,
    qemuUser: 'qemu-x86_64',
  },
  arm64: {
    kernelMake: 'arm64',
    kernelSrc: 'arm64',
    kernelImage: 'Image',
    kernelImagePath: 'arch/arm64/boot/Image',
    crossCompile: 'aarch64-linux-gnu-',
    bpfTarget: 'arm64',
    selftest: 'ARM64',
    uname: 'aarch64',
    node: 'arm64',
    debian: 'arm64',
    debianKernel: 'linux-image-arm64',
    qemuSystem: 'qemu-system-aarch64',
    qemuPackage: 'qemu-system-arm',
    qemuMachine: 'virt',
    qemuUser: 'qemu-aarch64',
  },
} as const satisfies Record<Arch, ArchNames>;

/** Whether `text` is kptrlab's name of an architecture. */
export function isArch(text: string): text is Arch {
  return (ARCHES as readonly string[]).includes(text);
}

/** The Arch whose `field` spelling is `value` (findArch('debian', 'amd64') is 'x86_64'); undefined when none is. */
export function findArch(field: keyof ArchNames, value: string): Arch | undefined {
  return ARCHES.find((arch) => ARCH_NAMES[arch][field] === value);
}

/** The Arch of a Node process.arch ('x64' is 'x86_64'); undefined for one kptrlab has no names for. */
export function archFromNode(nodeArch: string): Arch | undefined {
  return findArch('node', nodeArch);
}

/** `text` as an Arch; anything else (another tool's spelling too) is a usage error naming the accepted values. */
export function parseArch(text: string, what = 'architecture'): Arch {
  if (isArch(text)) return text;
  // Another tool's name for a known arch ('amd64', 'x64', 'aarch64'): say which one was meant.
  const meant = text === '' ? undefined : ARCHES.find((arch) => Object.values<unknown>(ARCH_NAMES[arch]).includes(text));
  const accepted = `Use one of: ${ARCHES.join(', ')}.`;
  throw new KptrlabError('ARCH_UNKNOWN', `unknown ${what} "${text}"`, {
    hint: meant ? `"${text}" is another tool's name for ${meant}. ${accepted}` : accepted,
    exitCode: ExitCode.usage,
  });
}
