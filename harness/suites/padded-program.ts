// A bench program with a known slowdown injected: a wrapper source that sets KL_PAD_WALK before including the real
// program (used by the sensitivity benchmark and the nightly tests). The wrapper names the program's hash, so a
// changed program never reuses a stale compiled wrapper.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256OfFile } from '../util/hash.js';
import { projectPath } from '../util/paths.js';

export const BENCH_PROGRAM = projectPath('programs', 'bench', 'rbtree_bench.bpf.c');

/** Writes `<dir>/rbtree_bench_pad<k>.bpf.c` (k extra multiply-adds per walk access) and returns its path. */
export function paddedBenchProgram(dir: string, k: number): string {
  const hash = sha256OfFile(BENCH_PROGRAM);
  const path = join(dir, `rbtree_bench_pad${k}.bpf.c`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path, `// rbtree_bench with ${k} extra multiply-adds per walk access (program sha256 ${hash})\n#define KL_PAD_WALK ${k}\n#include "${BENCH_PROGRAM}"\n`);
  return path;
}
