// Kernel capability levels for the kptr_xchg-on-non-owning-node series, derived from probes (never from versions).

export type { Capability, ProbeFacts } from '../results/model.js';
import { type Capability, type ProbeFacts } from '../results/model.js';
import type { AgentProbeFacts, ProbeRequest } from '../agent/protocol.js';
import { seriesFits, SERIES_LEVEL, type Level, type Series } from '../results/vocab.js';
import { decidingLine } from './verdict.js';

export const WALK_KFUNCS = ['bpf_rbtree_root', 'bpf_rbtree_left', 'bpf_rbtree_right'] as const;
/** Kernel functions whose presence the probe reports (the walk kfuncs decide the level; the rest are recorded). */
export const PROBE_KFUNCS = [...WALK_KFUNCS, 'bpf_rbtree_first', 'bpf_obj_new_impl', 'bpf_refcount_acquire_impl'] as const;
export const PROBE_PROGRAMS = {
  walk: 'probe_walk',
  xchgUnderLock: 'probe_xchg_under_lock',
  xchgNonOwn: 'probe_xchg_non_own',
  xchgNonOwnRcu: 'probe_xchg_non_own_rcu',
} as const;

/** Derives the level from probe facts; the level is the highest one whose every step holds. */
export function deriveCapability(facts: ProbeFacts): Capability {
  const loaded = (name: string) => facts.probes[name]?.loaded === true;
  const walkKfuncs = WALK_KFUNCS.every((name) => facts.kfuncs[name] === true) && loaded(PROBE_PROGRAMS.walk);
  const xchgUnderLock = loaded(PROBE_PROGRAMS.xchgUnderLock);
  const xchgNonOwn = loaded(PROBE_PROGRAMS.xchgNonOwn);
  const xchgNonOwnRcu = loaded(PROBE_PROGRAMS.xchgNonOwnRcu);
  const anomalies: string[] = [];
  if (xchgNonOwn && !xchgUnderLock) anomalies.push('kptr_xchg on a non-owning node loads but kptr_xchg under a lock does not');
  if (xchgNonOwnRcu && !xchgNonOwn) anomalies.push('the MEM_RCU variant loads but the plain non-owning one does not');
  let level: Level = 'nowalk';
  if (walkKfuncs) level = 'base';
  if (walkKfuncs && xchgUnderLock) level = 'lock';
  if (level === 'lock' && xchgNonOwn) level = 'nonown';
  if (level === 'nonown' && xchgNonOwnRcu) level = 'full';
  return { level, walkKfuncs, xchgUnderLock, xchgNonOwn, xchgNonOwnRcu, anomalies };
}

/** The agent request that probes a kernel with the compiled probe objects. */
export function probeRequest(objects: readonly string[]): ProbeRequest {
  return { op: 'probe', objects: [...objects], kfuncs: [...PROBE_KFUNCS] };
}

/** The agent's raw facts with each rejected probe's full log reduced to the line that decided it. */
export function probeFacts(raw: AgentProbeFacts): ProbeFacts {
  const probes = Object.fromEntries(
    Object.entries(raw.probes).map(([program, probe]) => [program, probe.loaded ? { loaded: true } : { loaded: false, message: decidingLine(probe.log) || 'rejected without a log' }]),
  );
  return { kfuncs: raw.kfuncs, probes };
}

/** Target errors for a probed capability: a level other than the declared series', or probes that contradict each other. */
export function capabilityProblems(capability: Capability, series: Series | undefined): { stage: string; message: string; code: string }[] {
  const problems = capability.anomalies.map((anomaly) => ({ stage: 'probe', message: `capability probes contradict each other: ${anomaly}`, code: 'PROBE_ANOMALY' }));
  if (series && !seriesFits(series, capability.level)) {
    problems.push({
      stage: 'probe',
      message: `the config declares series: ${series} (level ${SERIES_LEVEL[series]}) but the probes find level ${capability.level}: the kernel is not the one declared (did a patch fail to apply, or is the declaration wrong?)`,
      code: 'SERIES_MISMATCH',
    });
  }
  return problems;
}
