// The real A/B run (five targets, x86_64 under TCG with icount-ns, arm64 verifier-only) as a committed event log,
// and small readers of the HTML report's figures.
import type { RunResults } from '../../harness/results/model.js';
import { readEventLog } from '../../harness/results/event-log.js';
import { reduceEvents } from '../../harness/results/reduce.js';
import { projectPath } from '../../harness/util/paths.js';

export const AB_RUN_LOG = projectPath('test', 'fixtures', 'reports', 'ab-run', 'events.ndjson');

/** A fresh fold of the fixture's log (callers may change it). */
export function abRun(): RunResults {
  return reduceEvents(readEventLog(AB_RUN_LOG).events);
}

/** The page's charts in order: id, declared mark count, and the SVG inside. */
export function figures(html: string): Array<{ id: string; marks: number; svg: string }> {
  return [...html.matchAll(/<figure class="chart" data-chart="([^"]+)" data-marks="(\d+)">([\s\S]*?)<\/figure>/g)].map((match) => ({ id: match[1]!, marks: Number(match[2]), svg: match[3]! }));
}
