// Compiles programs/ BPF C with clang against the target's vmlinux.h; objects cached by content.
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ARCH_NAMES, type Arch } from '../util/arch.js';
import { cached, entryPath, type CacheKind } from '../util/cached.js';
import { runChild } from '../util/child.js';
import { KptrlabError } from '../util/errors.js';
import { hashParts } from '../util/hash.js';
import { projectPath } from '../util/paths.js';
import { findClang } from './toolchain.js';
import type { VmlinuxHeader } from './vmlinux-header.js';

export const PROGRAMS_INCLUDE = projectPath('programs', 'include');

/** Objects of programs/: bpf/<key>/<name>.o, keyed by source, headers, BTF, clang and flags. */
export const bpfObjects: CacheKind = { name: 'bpf', dir: 'bpf' };

export interface CompileRequest {
  source: string;
  header: VmlinuxHeader;
  /** Target architecture, for bpf_tracing.h (default x86_64). */
  arch?: Arch;
}

export type CompileResult =
  | { ok: true; source: string; object: string; cached: boolean }
  | { ok: false; source: string; firstError: string; log: string };

/** Compiles one .bpf.c; a compile error is returned (not thrown) so the rest of a run goes on. */
export async function compileBpf(request: CompileRequest): Promise<CompileResult> {
  const clang = await findClang();
  const arch = ARCH_NAMES[request.arch ?? 'x86_64'].bpfTarget;
  const flags = ['-g', '-O2', '-target', 'bpf', `-D__TARGET_ARCH_${arch}`, '-Wall', '-Wno-unused-function'];
  return compileCached({
    source: request.source,
    args: [...flags, '-I', request.header.dir, '-I', PROGRAMS_INCLUDE],
    keyParts: [await readFile(request.source), ...(await includeContents()), request.header.btfHash, clang.version, flags.join(' ')],
    kind: bpfObjects,
    objectName: basename(request.source).replace(/\.c$/, '.o'),
  });
}

export interface CachedCompile {
  source: string;
  /** clang arguments besides "-c <source> -o <object>". */
  args: string[];
  /** Everything the object depends on (sources, headers, flags, clang version): the cache key. */
  keyParts: Array<string | Buffer>;
  /** Where the object is cached (bpfObjects, the selftests' objects). */
  kind: CacheKind;
  objectName: string;
}

/** One clang run whose object is cached by content; written then renamed, so a cached object is always whole. */
export async function compileCached(request: CachedCompile): Promise<CompileResult> {
  const clang = await findClang();
  const dir = entryPath(request.kind, hashParts(request.keyParts).slice(0, 24));
  let failure: CompileResult | undefined;
  const compile = async (temp: string) => {
    const result = await runChild(clang.path, [...request.args, '-c', request.source, '-o', join(temp, request.objectName)], { stage: `clang compile ${basename(request.source)}`, allowFailure: true });
    if (result.exitCode === 0) return;
    failure = { ok: false, source: request.source, firstError: firstCompilerError(result.stderr), log: result.stderr };
    // No entry for a failed compile; the caller gets the failure as a result, not as an exception.
    throw new KptrlabError('BPF_COMPILE_FAILED', failure.firstError);
  };
  try {
    const entry = await cached(request.kind, dir, compile, { expect: [request.objectName] });
    return { ok: true, source: request.source, object: join(dir, request.objectName), cached: entry.hit };
  } catch (error) {
    if (failure) return failure;
    throw error;
  }
}

/** The first "file:line:col: error: ..." line of clang's output (or its first line). */
export function firstCompilerError(stderr: string): string {
  const lines = stderr.split('\n');
  return lines.find((line) => /\berror:/.test(line)) ?? lines.find((line) => line.trim()) ?? 'clang failed without output';
}

async function includeContents(): Promise<Buffer[]> {
  const names = readdirSync(PROGRAMS_INCLUDE).filter((name) => name.endsWith('.h')).sort();
  return Promise.all(names.map((name) => readFile(join(PROGRAMS_INCLUDE, name))));
}
