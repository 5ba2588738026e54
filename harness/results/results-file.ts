// results.json: the reducer's state written whole (temp + rename), so readers never see half a file.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { RunResults } from './model.js';

export const RESULTS_FILE_NAME = 'results.json';

export function writeResultsFile(path: string, results: RunResults): void {
  mkdirSync(dirname(path), { recursive: true });
  const partial = `${path}.tmp`;
  writeFileSync(partial, `${JSON.stringify(results, null, 2)}\n`);
  renameSync(partial, path);
}
