import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { ExitCode, KptrlabError } from '../util/errors.js';
import { parseRunConfig, type RunConfig } from './run-config.js';

/** Reads and parses a run config file; a missing file says which configs exist. */
export function loadRunConfig(path: string): RunConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new KptrlabError('CONFIG_NOT_FOUND', `cannot read config ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
      hint: 'Pass an existing file, e.g. --config config/local.yaml.',
      cause: error,
      exitCode: ExitCode.usage,
    });
  }
  const shown = relative(process.cwd(), path);
  return parseRunConfig(shown && !shown.startsWith('..') ? shown : resolve(path), text);
}
