import { fileURLToPath } from 'node:url';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

// dist/harness/util/paths.js → project root is three levels up; in sources it is two.
const here = dirname(fileURLToPath(import.meta.url));
const inDist = here.split('/').includes('dist');

/** Absolute path of the project root (where package.json is). */
export const projectRoot = resolve(here, inDist ? '../../..' : '../..');

/** Cache root for artifacts shared by every clone (kernels, objects); KPTRLAB_CACHE overrides. */
export function cacheRoot(): string {
  if (process.env.KPTRLAB_CACHE) return process.env.KPTRLAB_CACHE;
  const xdg = process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  return join(xdg, 'kptrlab');
}

/** Path inside the project. */
export function projectPath(...parts: string[]): string {
  return join(projectRoot, ...parts);
}

let runLogDir: string | undefined;

/** Makes failed children's whole output land in this run's folder (undefined: back to the cache's logs/). */
export function setChildLogDir(dir: string | undefined): void {
  runLogDir = dir;
}

/** Where a failed child's whole output is kept: the current run's logs/, else <cache>/logs. */
export function childLogDir(): string {
  return runLogDir ?? join(cacheRoot(), 'logs');
}
