// Compiles a folder (or file) of BPF sources for one target; compile errors are collected, not thrown.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { compileBpf, type CompileResult } from '../bpf/compile.js';
import type { VmlinuxHeader } from '../bpf/vmlinux-header.js';
import type { Arch } from '../util/arch.js';
import { KptrlabError, ExitCode } from '../util/errors.js';
import { sha256OfFile } from '../util/hash.js';

/** Every *.bpf.c under `path` (or `path` itself), sorted so runs are reproducible. */
export function bpfSources(path: string): string[] {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    throw new KptrlabError('PROGRAMS_NOT_FOUND', `BPF sources not found at ${path}`, { hint: 'Check the path in the config (relative to the project root).', exitCode: ExitCode.usage });
  }
  if (stat.isFile()) return [path];
  return readdirSync(path)
    .filter((name) => name.endsWith('.bpf.c'))
    .sort()
    .map((name) => join(path, name));
}

export interface CompiledSet {
  /** hash: sha256 of the object file (what `sha256sum` prints), the provenance of every result loaded from it. */
  objects: Array<{ path: string; source: string; hash: string }>;
  errors: Array<{ source: string; firstError: string }>;
}

/** Compiles all sources against one header, in order. */
export async function compileSet(sources: readonly string[], header: VmlinuxHeader, arch: Arch = 'x86_64'): Promise<CompiledSet> {
  const set: CompiledSet = { objects: [], errors: [] };
  for (const source of sources) {
    const result: CompileResult = await compileBpf({ source, header, arch });
    if (result.ok) set.objects.push({ path: result.object, source, hash: sha256OfFile(result.object) });
    else set.errors.push({ source, firstError: result.firstError });
  }
  return set;
}
