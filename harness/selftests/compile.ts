// Compiles the tree's progs/*.c with the tree's own headers and the selftests Makefile's BPF flags; cached by content.
import { readdirSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { findClang } from '../bpf/toolchain.js';
import { compileCached, type CompileResult } from '../bpf/compile.js';
import type { VmlinuxHeader } from '../bpf/vmlinux-header.js';
import { ARCH_NAMES, type Arch } from '../util/arch.js';
import { cached, entryPath, type CacheKind } from '../util/cached.js';
import { runChild } from '../util/child.js';
import { hashParts } from '../util/hash.js';
import { SELFTESTS_DIR } from './tree.js';

/** Objects of the tree's progs/*.c: selftests/objects/<key>/<name>.bpf.o. */
export const selftestObjects: CacheKind = { name: 'selftests/objects', dir: join('selftests', 'objects') };

/** The tree's BPF-side headers: selftests/include-<tree key>/bpf/, .complete written last. */
export const selftestHeaders: CacheKind = {
  name: 'selftests/include',
  dir: 'selftests',
  match: /^include-[0-9a-f]{16}$/,
  expect: ['.complete', join('bpf', 'bpf_helper_defs.h')],
};

/** BPF_CFLAGS of tools/testing/selftests/bpf/Makefile (test_progs flavour), minus the include folders. */
export function selftestFlags(arch: Arch): string[] {
  return [
    '-g', '-Wall', '-Werror', `-D__TARGET_ARCH_${ARCH_NAMES[arch].bpfTarget}`, '-mlittle-endian',
    '-std=gnu11', '-fno-strict-aliasing', '-Wno-microsoft-anon-tag', '-fms-extensions',
    '-Wno-compare-distinct-pointer-types', '-Wno-initializer-overrides', '-DENABLE_ATOMICS_TESTS',
    // The tree names warnings newer clangs know; an older clang would turn them into -Werror failures.
    '-Wno-unknown-warning-option',
    '-O2', '--target=bpfel', '-mcpu=v3',
  ];
}

/**
 * The tree's libbpf BPF-side headers as <bpf/...> plus bpf_helper_defs.h generated from the tree's uapi
 * (what the Makefile installs into its include folder); one folder per tree.
 */
export async function treeBpfHeaders(tree: string, treeId: string): Promise<string> {
  const dir = entryPath(selftestHeaders, `include-${hashParts([treeId]).slice(0, 16)}`);
  await cached(selftestHeaders, dir, async (entry) => {
    await mkdir(join(entry, 'bpf'));
    const libbpf = join(tree, 'tools', 'lib', 'bpf');
    for (const name of readdirSync(libbpf).filter((file) => file.endsWith('.h'))) await copyFile(join(libbpf, name), join(entry, 'bpf', name));
    const defs = await runChild('python3', [join(tree, 'scripts', 'bpf_doc.py'), '--header', '--file', join(tree, 'include', 'uapi', 'linux', 'bpf.h')], {
      stage: 'bpf_helper_defs.h generation',
    });
    await writeFile(join(entry, 'bpf', 'bpf_helper_defs.h'), defs.stdout);
    await writeFile(join(entry, '.complete'), `${treeId}\n`);
  });
  return dir;
}

let sysIncludes: Promise<string[]> | undefined;

// CLANG_SYS_INCLUDES: the host compiler's own include folders, searched last (as the Makefile does).
async function clangSysIncludes(clang: string): Promise<string[]> {
  sysIncludes ??= runChild(clang, ['-v', '-E', '-x', 'c', '-'], { stage: 'clang include folders', input: '', allowFailure: true }).then((result) => {
    const text = result.stderr;
    const start = text.indexOf('<...> search starts here:');
    const end = text.indexOf('End of search list.');
    if (start < 0 || end < 0) return [];
    return text
      .slice(start, end)
      .split('\n')
      .slice(1)
      .map((line) => line.trim())
      .filter((line) => line.startsWith('/'))
      .flatMap((folder) => ['-idirafter', folder]);
  });
  return sysIncludes;
}

export interface SelftestCompileRequest {
  source: string;
  tree: string;
  treeId: string;
  header: VmlinuxHeader;
  arch: Arch;
}

/** Compiles one progs/*.c; a compile error is returned with clang's first error line and its full output. */
export async function compileSelftest(request: SelftestCompileRequest): Promise<CompileResult> {
  const clang = await findClang();
  const bpfHeaders = await treeBpfHeaders(request.tree, request.treeId);
  const selftests = join(request.tree, SELFTESTS_DIR);
  const tools = join(request.tree, 'tools', 'include');
  const flags = selftestFlags(request.arch);
  const includes = [
    '-I', request.header.dir, '-I', bpfHeaders, '-I', selftests, '-I', join(tools, 'uapi'), '-I', tools,
    '-I', join(selftests, 'libarena', 'include'), ...(await clangSysIncludes(clang.path)),
  ];
  return compileCached({
    source: request.source,
    args: [...flags, ...includes],
    keyParts: [request.treeId, request.source, await readFile(request.source), request.header.btfHash, clang.version, flags.join(' ')],
    kind: selftestObjects,
    objectName: basename(request.source).replace(/\.c$/, '.bpf.o'),
  });
}
