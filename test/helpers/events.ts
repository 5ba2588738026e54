// Builders for run events in unit tests: a run-start header, and replay through the real bus and reducer.
import { EVENTS_SCHEMA, EVENTS_SCHEMA_VERSION, type RunEvent } from '../../harness/results/events.js';
import type { IntegrityResult, RunResults } from '../../harness/results/model.js';
import { REPORTERS, type ReporterName } from '../../harness/report/registry.js';
import { EventBus } from '../../harness/runner/events.js';

export function runStart(targets: string[], resultsPath = 'results/r1/results.json'): RunEvent {
  return {
    type: 'run-start',
    schema: EVENTS_SCHEMA,
    schemaVersion: EVENTS_SCHEMA_VERSION,
    run: { id: 'r1', configFile: 'config/local.yaml', configHash: 'c0ffee', startedAt: '2026-01-01T00:00:00.000Z', host: { hostname: 'h', cpu: 'c', cores: 2, memoryGiB: 24, kernelRelease: '6.18.0' }, kptrlab: { version: '0.1.0', commit: 'abc' } },
    resultsPath,
    targets,
  };
}

export function runEnd(exitCode: number, status: RunResults['run']['status'] = exitCode === 0 ? 'passed' : 'failed'): RunEvent {
  return { type: 'run-end', status, exitCode, finishedAt: '2026-01-01T00:01:00.000Z' };
}

/** An integrity record for `size` nodes where every variant touched `distinct` nodes `accesses` times. */
export function integrity(size: number, accesses: number, distinct: number, variants: Array<'fast' | 'baseline' | 'stock' | 'walk'> = ['stock', 'walk']): IntegrityResult {
  return {
    size, ok: true, nodes: { expected: size, counted: size }, misses: 0, badSamples: 0, problems: [],
    variants: variants.map((variant) => ({ variant, ok: true, accesses: { expected: accesses, counted: accesses }, distinctNodes: { expected: distinct, counted: distinct } })),
  };
}

/** Feeds events through a bus (the one reducer) into a reporter; returns what it wrote and the final state. */
export function replay(events: readonly RunEvent[], reporter: ReporterName, live = false): { out: string; state: RunResults } {
  let out = '';
  const output = REPORTERS[reporter]({ write: (text) => (out += text), live });
  const bus = new EventBus();
  bus.subscribe((event, state) => output.onEvent(event, state));
  for (const event of events) bus.emit(event);
  return { out, state: bus.state! };
}
