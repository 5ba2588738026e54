// The repository files a run's kernels are built from: their hash keys the Actions cache of ~/.cache/kptrlab.
import { join } from 'node:path';
import type { RunConfig } from '../config/run-config.js';
import { projectRoot } from '../util/paths.js';
import { repoPath } from './repo-path.js';

// The builder's version string lives here: a new one means new kernel keys.
const KERNEL_KEY_SOURCE = 'harness/kernel/cache-key.ts';

/**
 * Globs for hashFiles(): the config, the series' patch folder, every config fragment and the builder's key code.
 * Not covered (no file in the repository holds them): the Debian package version and the runner's toolchain; kptrlab
 * checks each restored kernel against its full key, so a stale snapshot costs a rebuild, never a wrong kernel.
 */
export function kernelCacheFiles(config: RunConfig, configPath: string, root: string = projectRoot): string[] {
  const files = [configPath];
  const kernels = config.kernels;
  if (kernels) {
    files.push(join(repoPath(kernels.seriesDir, 'the series folder', root), '**'));
    const fragments = [...kernels.fragments, ...Object.values(kernels.archFragments).flat(), ...(kernels.debugFragment ? [kernels.debugFragment] : []), ...kernels.variants.flatMap((variant) => [...variant.fragments, ...variant.apply])];
    files.push(...fragments.map((fragment) => repoPath(fragment, 'the kernel config fragment or patch', root)));
    files.push(KERNEL_KEY_SOURCE);
  }
  return [...new Set(files)];
}
