// Compiles programs/ BPF C with clang against the target's vmlinux.h; objects cached by content.
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, rename } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { runChild } from '../util/child.js';
import { hashParts } from '../util/hash.js';
import { cacheRoot, projectPath } from '../util/paths.js';
import { findClang } from './toolchain.js';
import type { VmlinuxHeader } from './vmlinux-header.js';

export const PROGRAMS_INCLUDE = projectPath('programs', 'include');

export interface CompileRequest {
  source: string;
  header: VmlinuxHeader;
  /** Target architecture for bpf_tracing.h (x86 | arm64). */
  arch?: 'x86' | 'arm64';
}

export type CompileResult =
  | { ok: true; source: string; object: string; cached: boolean }
  | { ok: false; source: string; firstError: string; log: string };

/** Compiles one .bpf.c; a compile error is returned (not thrown) so the rest of a run goes on. */
export async function compileBpf(request: CompileRequest): Promise<CompileResult> {
  const clang = await findClang();
  const arch = request.arch ?? 'x86';
  const flags = ['-g', '-O2', '-target', 'bpf', `-D__TARGET_ARCH_${arch}`, '-Wall', '-Wno-unused-function'];
  return compileCached({
    source: request.source,
    args: [...flags, '-I', request.header.dir, '-I', PROGRAMS_INCLUDE],
    keyParts: [await readFile(request.source), ...(await includeContents()), request.header.btfHash, clang.version, flags.join(' ')],
    folder: 'bpf',
    objectName: basename(request.source).replace(/\.c$/, '.o'),
  });
}

export interface CachedCompile {
  source: string;
  /** clang arguments besides "-c <source> -o <object>". */
  args: string[];
  /** Everything the object depends on (sources, headers, flags, clang version): the cache key. */
  keyParts: Array<string | Buffer>;
  /** Cache subfolder ('bpf', 'selftests/objects'). */
  folder: string;
  objectName: string;
}

/** One clang run whose object is cached by content; written then renamed, so a cached object is always whole. */
export async function compileCached(request: CachedCompile): Promise<CompileResult> {
  const clang = await findClang();
  const key = hashParts(request.keyParts);
  const dir = join(cacheRoot(), request.folder, key.slice(0, 24));
  const object = join(dir, request.objectName);
  if (existsSync(object)) return { ok: true, source: request.source, object, cached: true };
  await mkdir(dir, { recursive: true });
  const partial = `${object}.${process.pid}.tmp`;
  const result = await runChild(clang.path, [...request.args, '-c', request.source, '-o', partial], { stage: `clang compile ${basename(request.source)}`, allowFailure: true });
  if (result.exitCode !== 0) {
    return { ok: false, source: request.source, firstError: firstCompilerError(result.stderr), log: result.stderr };
  }
  await rename(partial, object);
  return { ok: true, source: request.source, object, cached: false };
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
