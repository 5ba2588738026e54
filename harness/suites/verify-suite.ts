// Verifier matrix on one target: raw verdicts from the agent, judged here against each case's annotations.
import { relative } from 'node:path';
import type { CaseResult } from '../results/model.js';
import type { Target } from '../targets/target.js';
import { projectRoot } from '../util/paths.js';
import { parseAnnotations } from './annotations.js';
import type { Level } from './capability.js';
import { judgeCase } from './verdict.js';

/** Runs all case objects on the target and calls `onCase` with each judged result as it arrives. */
export async function runVerifySuite(
  target: Target,
  objects: Array<{ path: string; source: string }>,
  level: Level,
  logLevel: number,
  onCase: (result: CaseResult) => void,
  onObjectError: (source: string, message: string) => void,
): Promise<void> {
  await target.runAgent({ op: 'verify', objects, logLevel: logLevel | 4 }, (event) => {
    if (event.type === 'object-error') onObjectError(event.source ?? event.object, event.message);
    if (event.type !== 'case') return;
    const source = relative(projectRoot, event.source);
    const annotations = parseAnnotations(event.tags);
    if (!annotations.ok) {
      onCase({ id: event.program, source, description: '', level, expected: 'reject', actual: event.loaded ? 'accept' : 'reject', status: 'error', reason: `bad annotations: ${annotations.problem}`, stats: event.stats });
      return;
    }
    const outcome = judgeCase(annotations.expectation, level, event.loaded, event.log);
    onCase({
      id: event.program,
      source,
      description: annotations.expectation.description,
      level,
      expected: outcome.expected,
      actual: outcome.actual,
      status: outcome.status,
      reason: outcome.reason,
      excerpt: outcome.excerpt,
      stats: event.stats,
    });
  });
}
