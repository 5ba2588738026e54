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
