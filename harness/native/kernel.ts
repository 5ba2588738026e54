// Process-wide facts from the binding: libbpf versions, bpf() permission probe, kfunc presence in vmlinux BTF.
import { checkName } from './check.js';
import { BpfError } from './errors.js';
import { loadNative } from './loader.js';

/** libbpf version the binding was compiled against (pkg-config at build time), e.g. "1.1.2". */
export const libbpfVersion: string = loadNative().libbpfVersion;

/** libbpf version string of the shared library actually loaded, e.g. "v1.1". */
export const libbpfRuntimeVersion: string = loadNative().libbpfRuntimeVersion;

const funcCache = new Map<string, boolean>();

/** Does the running kernel's vmlinux BTF have a FUNC of that name (kfunc presence probe)? */
export function kernelBtfHasFunc(name: string): boolean {
  const func = checkName(name, 'name');
  let found = funcCache.get(func);
  if (found === undefined) {
    found = loadNative().kernelBtfHasFunc(func);
    funcCache.set(func, found);
  }
  return found;
}

/** Creates and closes a tiny array map: undefined when bpf() works, else the BpfError (EPERM, ...). */
export function probeBpf(): BpfError | undefined {
  try {
    loadNative().probeBpf();
    return undefined;
  } catch (error) {
    if (error instanceof BpfError) return error;
    throw error;
  }
}

/** Number of possible CPUs (the slot count of per-CPU map values). */
export function possibleCpus(): number {
  return loadNative().possibleCpus();
}

/** True when the kernel loads a trivial program with these prog_flags; any failure is false (the selftests' testing_prog_flags probe). */
export function probeProgFlags(flags: number): boolean {
  if (!Number.isInteger(flags) || flags < 0 || flags > 0xffffffff) throw new RangeError(`flags must be a u32, got ${flags}`);
  return loadNative().probeProgFlags(flags);
}
