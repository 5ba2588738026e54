// The tree's own bpftool (bootstrap build): newer bpftools write kfunc prototypes (extern ... __ksym) into
// vmlinux.h from the kernel's BTF, which the tree's selftests rely on instead of declaring kfuncs.
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runChild } from '../util/child.js';
import { KptrlabError } from '../util/errors.js';
import { hashParts } from '../util/hash.js';
import { cacheRoot } from '../util/paths.js';
import { acquireLock } from '../kernel/lock.js';

/** Builds tools/bpf/bpftool's bootstrap binary out of tree (OUTPUT= keeps the tree pristine); once per tree. */
export async function treeBpftool(tree: string, treeId: string): Promise<string> {
  const dir = join(cacheRoot(), 'selftests', `bpftool-${hashParts([treeId]).slice(0, 16)}`);
  const binary = join(dir, 'bootstrap', 'bpftool');
  if (existsSync(binary)) return binary;
  await mkdir(join(cacheRoot(), 'selftests'), { recursive: true });
  // Two runs building the same tree's bpftool at once would race on the final rename.
  const lock = await acquireLock(`${dir}.lock`, 20 * 60_000);
  try {
    if (existsSync(binary)) return binary;
    const scratch = `${dir}.${process.pid}.tmp`;
    await rm(scratch, { recursive: true, force: true });
    await mkdir(scratch, { recursive: true });
    const result = await runChild('make', ['-C', join(tree, 'tools', 'bpf', 'bpftool'), `OUTPUT=${scratch}/`, 'bootstrap', '-j2'], {
      stage: 'bpftool build (from the kernel tree)',
      allowFailure: true,
      timeoutMs: 20 * 60_000,
    });
    if (result.exitCode !== 0) {
      const log = join(cacheRoot(), 'selftests', 'bpftool-build.log');
      await writeFile(log, result.stdout + result.stderr);
      throw new KptrlabError('BPFTOOL_BUILD_FAILED', `building the tree's bpftool failed: ${result.stderr.split('\n').find((line) => /error/i.test(line)) ?? 'see the log'}`, {
        hint: `Read ${log}; the usual cause is a missing -dev package (bash scripts/install-deps installs them).`,
      });
    }
    await rm(dir, { recursive: true, force: true });
    await rename(scratch, dir);
    return binary;
  } finally {
    await lock.release();
  }
}
