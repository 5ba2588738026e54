// Paths as a generated workflow names them: relative to the repository root, in characters that stay inert in YAML,
// in a shell word and inside a GitHub expression string ('...'), so no user text can become code there.
import { isAbsolute, relative, resolve } from 'node:path';
import { ExitCode, KptrlabError } from '../util/errors.js';
import { projectRoot } from '../util/paths.js';

const SAFE_PATH = /^[A-Za-z0-9_.@+/-]+$/;

/** `path` relative to `root` (the checkout), refused when it leaves the repository or holds other characters. */
export function repoPath(path: string, what: string, root: string = projectRoot): string {
  const inside = relative(root, resolve(root, path));
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) {
    throw new KptrlabError('CI_PATH_OUTSIDE', `${what} ${path} is outside the repository ${root}`, { hint: 'A runner has only the checkout: keep the file in the repository and pass its path from the repository root.', exitCode: ExitCode.usage });
  }
  if (!SAFE_PATH.test(inside)) {
    throw new KptrlabError('CI_PATH_UNSAFE', `${what} ${inside} has characters a workflow would have to quote (allowed: letters, digits and "_.@+/-")`, { hint: 'Rename the file: the path goes into env:, hashFiles() and artifact steps.', exitCode: ExitCode.usage });
  }
  return inside;
}

/** `hashFiles('a', 'b/**')` for paths that passed repoPath (a quote would be doubled, but none gets through). */
export function hashFilesExpression(patterns: readonly string[]): string {
  return `hashFiles(${patterns.map((pattern) => `'${pattern.replaceAll("'", "''")}'`).join(', ')})`;
}
