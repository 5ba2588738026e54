// Test environment helpers for tests that need the bpf() syscall: skip reason, fixture compile, fd count.
import { readdirSync, readFileSync } from 'node:fs';
import { compileBpf } from '../../harness/bpf/compile.js';
import { vmlinuxHeader } from '../../harness/bpf/vmlinux-header.js';
import { loadNative, nativeBuilt } from '../../harness/native/loader.js';
import { projectPath } from '../../harness/util/paths.js';

let cachedReason: { value: string | undefined } | undefined;

/** undefined when bpf() really works here (probed by creating an array map), else a sentence saying why not. */
export function bpfSkipReason(): string | undefined {
  cachedReason ??= { value: probe() };
  return cachedReason.value;
}

function probe(): string | undefined {
  if (process.platform !== 'linux') return `bpf() needs Linux, this is ${process.platform}`;
  if (!nativeBuilt()) return 'the libbpf binding is not built (run npm run build:native)';
  const uid = process.getuid?.() ?? -1;
  const unprivileged = readSysctl('/proc/sys/kernel/unprivileged_bpf_disabled');
  if (uid !== 0 && unprivileged !== undefined && unprivileged !== '0') {
    return `not running as root (uid ${uid}) and kernel.unprivileged_bpf_disabled=${unprivileged}`;
  }
  try {
    loadNative().probeBpf();
    return undefined;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return `bpf() is not permitted here: creating a one-element array map failed (${message})`;
  }
}

function readSysctl(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Compiles test/fixtures/bpf/<name>.bpf.c against the running kernel's vmlinux.h; returns the object path. */
export async function compileFixture(name: string): Promise<string> {
  const result = await compileBpf({ source: fixturePath(name), header: await vmlinuxHeader() });
  if (!result.ok) throw new Error(`fixture ${name} did not compile: ${result.firstError}\n${result.log}`);
  return result.object;
}

/** Absolute path of test/fixtures/bpf/<name>.bpf.c. */
export function fixturePath(name: string): string {
  return projectPath('test', 'fixtures', 'bpf', `${name}.bpf.c`);
}

/** Number of open file descriptors of this process. */
export function openFdCount(): number {
  return readdirSync('/proc/self/fd').length;
}
