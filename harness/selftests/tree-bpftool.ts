// The tree's own bpftool (bootstrap build): newer bpftools write kfunc prototypes (extern ... __ksym) into
// vmlinux.h from the kernel's BTF, which the tree's selftests rely on instead of declaring kfuncs.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cached, entryPath, type CacheKind } from '../util/cached.js';
import { runChild } from '../util/child.js';
import { KptrlabError } from '../util/errors.js';
import { hashParts } from '../util/hash.js';
import { cacheRoot } from '../util/paths.js';

/** The tree's bootstrap bpftool: selftests/bpftool-<tree key>/bootstrap/bpftool. */
export const treeBpftools: CacheKind = { name: 'selftests/bpftool', dir: 'selftests', match: /^bpftool-[0-9a-f]{16}$/, expect: [join('bootstrap', 'bpftool')] };

/** Builds tools/bpf/bpftool's bootstrap binary out of tree (OUTPUT= keeps the tree pristine); once per tree. */
export async function treeBpftool(tree: string, treeId: string): Promise<string> {
  const dir = entryPath(treeBpftools, `bpftool-${hashParts([treeId]).slice(0, 16)}`);
  await cached(treeBpftools, dir, async (entry) => {
    const result = await runChild('make', ['-C', join(tree, 'tools', 'bpf', 'bpftool'), `OUTPUT=${entry}/`, 'bootstrap', '-j2'], {
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
  }, { lockWaitMs: 20 * 60_000 });
  return join(dir, 'bootstrap', 'bpftool');
}
