// Verifier matrix on one target: raw verdicts from the agent, judged here against each case's annotations.
import { relative } from 'node:path';
import type { TargetEventBody } from '../results/events.js';
import type { VerifierStatsWire as WireStats } from '../agent/protocol.js';
import type { CaseResult, VerifierStats } from '../results/model.js';
import type { Level } from '../results/vocab.js';
import type { Target } from '../targets/target.js';
import { projectRoot } from '../util/paths.js';
import type { Same } from '../util/same-type.js';
import { CASE_TAG_PREFIX, parseAnnotations } from './annotations.js';
import { judgeCase } from './verdict.js';

// The binding's statistics and the schema's are declared in two bottom layers: they must not drift apart.
const STATS_AGREE: Same<WireStats, VerifierStats> = true;
void STATS_AGREE;

/** Runs all case objects on the target and reports each judged case as it arrives. */
export async function runVerifySuite(
  target: Target,
  objects: Array<{ path: string; source: string; hash: string }>,
  level: Level,
  logLevel: number,
  report: (event: TargetEventBody) => void,
): Promise<void> {
  const request = { op: 'verify' as const, objects: objects.map(({ path, source }) => ({ path, source })), logLevel: logLevel | 4, caseTagPrefix: CASE_TAG_PREFIX };
  const onCase = (result: CaseResult) => report({ type: 'case', result });
  await target.runAgent(request, (event) => {
    if (event.type === 'object-error') report({ type: 'error', stage: 'verify', message: `${event.source ?? event.object}: ${event.message}` });
    if (event.type !== 'case') return;
    const objectHash = objects.find((object) => object.source === event.source)?.hash;
    const source = relative(projectRoot, event.source);
    const annotations = parseAnnotations(event.tags);
    if (!annotations.ok) {
      onCase({ id: event.program, source, description: '', level, expected: 'reject', actual: event.loaded ? 'accept' : 'reject', status: 'error', reason: `bad annotations: ${annotations.problem}`, stats: event.stats, objectHash });
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
      objectHash,
    });
  });
}
