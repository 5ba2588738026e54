// A run for comparison: a run folder (its event log, reduced), or a run id found under the results folder.
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EVENT_LOG_NAME, readEventLog } from '../results/event-log.js';
import type { RunResults } from '../results/model.js';
import { reduceEvents } from '../results/reduce.js';
import { ExitCode, KptrlabError } from '../util/errors.js';

/** The run a folder or an id names; `outputDirs` are searched for an id (the config's output.dir, results/). */
export function loadRun(ref: string, outputDirs: readonly string[] = ['results']): { results: RunResults; dir: string } {
  const candidates = [ref, ...outputDirs.map((dir) => join(dir, ref))].map((path) => resolve(path));
  const dir = candidates.find((path) => existsSync(join(path, EVENT_LOG_NAME)) && statSync(path).isDirectory());
  if (!dir) {
    throw new KptrlabError('RUN_NOT_FOUND', `no run "${ref}": none of ${candidates.join(', ')} holds an ${EVENT_LOG_NAME}`, {
      hint: 'Pass a run folder (results/<run id>) or a run id under the results folder.',
      exitCode: ExitCode.usage,
    });
  }
  return { results: reduceEvents(readEventLog(join(dir, EVENT_LOG_NAME)).events), dir };
}
