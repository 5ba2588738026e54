// Finds a clang that emits BTF type tags (clang 14 silently drops them, so __kptr fields vanish).
import { runChild } from '../util/child.js';
import { KptrlabError } from '../util/errors.js';

export const MIN_CLANG_MAJOR = 16;
const CANDIDATES = ['clang-19', 'clang-20', 'clang-21', 'clang-22', 'clang-18', 'clang-17', 'clang-16', 'clang'];

export interface Clang {
  path: string;
  version: string;
  major: number;
}

let found: Promise<Clang> | undefined;

/** Parses "clang version 19.1.7 (...)" out of `clang --version`. */
export function parseClangVersion(text: string): { version: string; major: number } | undefined {
  const match = /clang version (\d+)\.(\d+)\.(\d+)/.exec(text);
  if (!match) return undefined;
  return { version: `${match[1]}.${match[2]}.${match[3]}`, major: Number(match[1]) };
}

/** Returns the first usable clang (KPTRLAB_CLANG overrides), or throws with the package to install. */
export function findClang(): Promise<Clang> {
  found ??= locate();
  return found;
}

async function locate(): Promise<Clang> {
  const override = process.env.KPTRLAB_CLANG;
  const seen: string[] = [];
  for (const candidate of override ? [override] : CANDIDATES) {
    const result = await runChild(candidate, ['--version'], { stage: 'clang probe', allowFailure: true }).catch(() => undefined);
    const parsed = result && result.exitCode === 0 ? parseClangVersion(result.stdout) : undefined;
    if (!parsed) continue;
    if (parsed.major >= MIN_CLANG_MAJOR) return { path: candidate, ...parsed };
    seen.push(`${candidate} ${parsed.version}`);
  }
  throw new KptrlabError('CLANG_MISSING', `no clang >= ${MIN_CLANG_MAJOR} found${seen.length ? ` (found only ${seen.join(', ')})` : ''}`, {
    hint: 'Install clang-19 (apt-get install clang-19) or set KPTRLAB_CLANG to a clang >= 16 binary.',
  });
}
