// The one reducer: folds a run's events, in order, into the results (results.json and every reporter read its state).
import type { RunEvent } from './events.js';
import { RESULTS_SCHEMA, RESULTS_SCHEMA_VERSION, type RunResults, type TargetInfo, type TargetResult } from './model.js';

/** An empty target entry, for a target whose first event is an error (it failed before it started). */
function newTarget(info: TargetInfo): TargetResult {
  return { target: { ...info }, cases: [], compileErrors: [], errors: [] };
}

function placeholderInfo(name: string): TargetInfo {
  return { name, kind: 'local', accelerator: 'native', timeUnit: 'ns', kernelRelease: 'unknown', arch: 'unknown' };
}

/** Applies one event to the state (mutating it) and returns it; the first event must be run-start. */
export function applyEvent(state: RunResults | undefined, event: RunEvent): RunResults {
  if (event.type === 'run-start') {
    return { schema: RESULTS_SCHEMA, schemaVersion: RESULTS_SCHEMA_VERSION, run: { ...event.run, status: 'running' }, targets: [] };
  }
  if (!state) throw new Error(`event log: the first event must be run-start, got ${event.type}`);
  if (event.type === 'run-end') {
    Object.assign(state.run, { status: event.status, exitCode: event.exitCode, finishedAt: event.finishedAt });
    return state;
  }
  // Stage lines are progress, not results; a run-level error belongs to no target.
  if (event.type === 'stage' || (event.type === 'error' && event.target === undefined)) return state;
  const name = event.type === 'target-start' || event.type === 'target-ready' ? event.target.name : event.target;
  let entry = state.targets.find((target) => target.target.name === name);
  if (!entry) {
    entry = newTarget(event.type === 'target-start' || event.type === 'target-ready' ? event.target : placeholderInfo(name!));
    state.targets.push(entry);
  }
  applyToTarget(entry, event);
  return state;
}

function applyToTarget(entry: TargetResult, event: RunEvent): void {
  const bench = () => {
    if (!entry.bench) throw new Error(`event log: ${event.type} for ${entry.target.name} before bench-start`);
    return entry.bench;
  };
  const selftests = () => {
    if (!entry.selftests) throw new Error(`event log: ${event.type} for ${entry.target.name} before selftests-start`);
    return entry.selftests;
  };
  switch (event.type) {
    case 'target-start':
    case 'target-ready':
      entry.target = { ...event.target };
      break;
    case 'provenance': {
      const merged = { ...entry.provenance, ...event.provenance, objects: { ...entry.provenance?.objects, ...event.provenance.objects } };
      entry.provenance = merged as NonNullable<TargetResult['provenance']>;
      if (event.provenance.libbpf) entry.libbpf = event.provenance.libbpf;
      break;
    }
    case 'environment': {
      // A target whose kernel provenance is not known yet still keeps its environment.
      const provenance = (entry.provenance ??= { objects: {} } as NonNullable<TargetResult['provenance']>);
      const environment = (provenance.environment ??= {});
      if (event.record) environment[event.phase] = event.record;
      if (event.problem) (environment.warnings ??= []).push(`${event.phase}: ${event.problem}`);
      break;
    }
    case 'capability':
      entry.capability = { ...event.capability, facts: event.facts };
      break;
    case 'compile-error':
      entry.compileErrors.push({ source: event.source, firstError: event.firstError });
      break;
    case 'case':
      entry.cases.push(event.result);
      break;
    case 'bench-start': {
      const { variants: _variants, ...parameters } = event.bench;
      entry.bench = { ...parameters, rejected: [], rawSamples: [], cells: [], calibration: [], ratios: [], integrity: [], errors: [] };
      break;
    }
    case 'bench-rejected':
      bench().rejected.push({ variant: event.variant, message: event.message });
      break;
    case 'bench-sample':
      bench().rawSamples.push(event.sample);
      break;
    case 'bench-sampled':
      (bench().sampling ??= []).push(event.sampled);
      break;
    case 'bench-calibration':
      bench().calibration.push(event.calibration);
      break;
    case 'bench-cell':
      bench().cells.push(event.cell);
      break;
    case 'bench-ratio':
      bench().ratios.push(event.ratio);
      break;
    case 'bench-integrity':
      bench().integrity.push(event.integrity);
      break;
    case 'bench-error':
      bench().errors.push(event.size === undefined ? { message: event.message } : { size: event.size, message: event.message });
      break;
    case 'selftests-start':
      entry.selftests = { ...event.selftests, tests: [...event.selftests.tests] };
      break;
    case 'selftest-env':
      selftests().env = event.env;
      break;
    case 'selftest':
      selftests().tests.push(event.result);
      break;
    case 'veristat':
      (selftests().veristat ??= []).push(event.row);
      break;
    case 'selftest-compare': {
      const test = selftests().tests.find((candidate) => candidate.id === event.id);
      if (test) test.testProgs = event.testProgs;
      break;
    }
    case 'test-progs':
      selftests().testProgs = event.summary;
      break;
    case 'error': {
      const { type: _type, target: _target, fatal: _fatal, ...error } = event;
      entry.errors.push(error);
      break;
    }
    default:
      break;
  }
}

/** The results a whole log describes. */
export function reduceEvents(events: Iterable<RunEvent>): RunResults {
  let state: RunResults | undefined;
  for (const event of events) state = applyEvent(state, event);
  if (!state) throw new Error('event log: no events');
  return state;
}
