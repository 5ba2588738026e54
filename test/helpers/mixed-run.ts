// A hand-built two-target run with one of every judged kind — passing, failing and erring cases, a compile error,
// selftests of each status, measured, rejected and integrity-failed cells, a target error — for mapping tests.
import type { RunEvent } from '../../harness/results/events.js';
import type { CaseResult, RunResults, SelftestResult, TargetInfo } from '../../harness/results/model.js';
import { reduceEvents } from '../../harness/results/reduce.js';
import { summarize } from '../../harness/results/stats.js';
import { integrity, runEnd, runStart } from './events.js';

export const BASE: TargetInfo = { name: 'base', kind: 'qemu', accelerator: 'tcg', acceleratorReason: '/dev/kvm does not exist', timeUnit: 'icount-ns', kernelRelease: '7.3.4', arch: 'x86_64' };
export const LOCAL: TargetInfo = { name: 'local', kind: 'local', accelerator: 'native', timeUnit: 'ns', kernelRelease: '6.18.0', arch: 'x86_64' };

const stats = { insnsProcessed: 120, maxStatesPerInsn: 1, totalStates: 9, peakStates: 9, markRead: 0, verificationTimeUs: 77 };
const passCase = (id: string, actual: 'accept' | 'reject'): CaseResult => ({ id, source: 'programs/cases/a.bpf.c', description: '', level: 'base', expected: actual, actual, status: 'pass', stats });

/** A verifier excerpt with everything XML and Markdown must escape. */
export const NASTY_EXCERPT = '0: (85) call bpf_kptr_xchg#194 <R1 type=ptr_ & R2> "q" \'a\' ]]> |pipe|';

const failCase: CaseResult = { ...passCase('fast_plain', 'accept'), expected: 'reject', status: 'fail', reason: 'expected the verifier to reject on a base kernel, it did accept', excerpt: NASTY_EXCERPT };
const errorCase: CaseResult = { ...passCase('leak_payload', 'reject'), actual: 'error', status: 'error', reason: 'the program did not load: ENOMEM', stats: null };
const selftest = (subtest: string, status: SelftestResult['status'], actual: SelftestResult['actual']): SelftestResult => ({
  id: `rbtree_search_kptr/${subtest}`, file: 'rbtree_search_kptr', program: subtest, mode: 'priv', runner: 'annotations', expected: 'success', actual, status,
  reason: status === 'pass' ? undefined : `why ${subtest}`, excerpt: status === 'unexpected-pass' ? 'loaded, yet marked __failure' : undefined,
});

function cell(size: number, variant: 'stock' | 'walk', median: number, unit: 'ns' | 'icount-ns') {
  return { size, variant, unit, lookupsPerSample: 200, perLookup: summarize([median + 10, median + 11, median + 12]), perAccess: summarize([median - 1, median, median + 1]), durations: [1, 2, 3], samplesUsed: 3, ciHalfWidthPercent: 1.5 };
}

/** The events of the mixed run, in the order a real run logs them. */
export function mixedRunEvents(): RunEvent[] {
  const badIntegrity = integrity(256, 600, 256, ['stock', 'walk']);
  badIntegrity.ok = false;
  badIntegrity.variants[1]!.ok = false;
  badIntegrity.problems = ['walk: 599 accesses counted in the nodes, the samples found 600'];
  // Fresh objects per call: the reducer keeps event objects by reference and tests may change the results.
  return structuredClone<RunEvent[]>([
    runStart(['base', 'local']),
    { type: 'target-start', target: BASE },
    { type: 'target-ready', target: BASE },
    { type: 'provenance', target: 'base', provenance: { kernel: { release: '7.3.4', source: 'debian:linux-source-7.3', variant: 'base', patches: [{ patch: '0001-a.patch', state: 'reversed', sha256: 'a'.repeat(64) }] }, series: { declared: 'absent' }, objects: {}, accelerator: 'tcg', timeUnit: 'icount-ns', machine: { hostname: 'h', cpu: 'c', kernelRelease: '6.18.0', guest: 'qemu x86_64, 2 vCPU' } } },
    { type: 'capability', target: 'base', capability: { level: 'base', walkKfuncs: true, xchgUnderLock: false, xchgNonOwn: false, xchgNonOwnRcu: false, anomalies: [] }, facts: { kfuncs: {}, probes: {} } },
    { type: 'case', target: 'base', result: failCase },
    { type: 'case', target: 'base', result: passCase('stock', 'accept') },
    { type: 'case', target: 'base', result: errorCase },
    { type: 'compile-error', target: 'base', source: 'programs/cases/broken.bpf.c', firstError: "broken.bpf.c:2:40: error: use of undeclared identifier 'undefined_symbol'" },
    { type: 'selftests-start', target: 'base', selftests: { source: 'tree', series: 'absent', tests: [] } },
    { type: 'selftest', target: 'base', result: selftest('lookup', 'pass', 'loaded') },
    { type: 'selftest', target: 'base', result: selftest('xchg_nonown', 'expected-fail', 'rejected') },
    { type: 'selftest', target: 'base', result: selftest('xchg_rcu', 'allowed-fail', 'rejected') },
    { type: 'selftest', target: 'base', result: selftest('stray', 'unexpected-pass', 'loaded') },
    { type: 'selftest', target: 'base', result: selftest('needs_jit', 'skip', 'not-run') },
    { type: 'bench-start', target: 'base', bench: { sizes: [16, 256], samples: 3, warmup: 0, lookups: 200, repeat: 1, seed: 1, unit: 'icount-ns', variants: ['stock', 'walk'] } },
    { type: 'bench-rejected', target: 'base', variant: 'fast', message: 'function calls are not allowed while holding a lock' },
    { type: 'bench-integrity', target: 'base', integrity: integrity(16, 600, 16, ['stock', 'walk']) },
    { type: 'bench-cell', target: 'base', cell: cell(16, 'stock', 380, 'icount-ns') },
    { type: 'bench-cell', target: 'base', cell: cell(16, 'walk', 108, 'icount-ns') },
    { type: 'bench-cell', target: 'base', cell: { ...cell(16, 'stock', 10, 'icount-ns'), variant: 'empty', perAccess: null } },
    { type: 'bench-integrity', target: 'base', integrity: badIntegrity },
    { type: 'bench-cell', target: 'base', cell: cell(256, 'stock', 560, 'icount-ns') },
    { type: 'bench-cell', target: 'base', cell: cell(256, 'walk', 196, 'icount-ns') },
    { type: 'error', target: 'base', stage: 'bench', code: 'TARGET_DIED', message: 'the target stopped answering during bench', consoleTail: 'Kernel panic - not syncing' },
    { type: 'target-start', target: LOCAL },
    { type: 'case', target: 'local', result: passCase('stock', 'accept') },
    { type: 'case', target: 'local', result: passCase('fast_plain', 'reject') },
    { type: 'bench-start', target: 'local', bench: { sizes: [16], samples: 3, warmup: 0, lookups: 200, repeat: 1, seed: 1, unit: 'ns', variants: ['stock'] } },
    { type: 'bench-cell', target: 'local', cell: cell(16, 'stock', 21, 'ns') },
    runEnd(1),
  ]);
}

export function mixedRun(): RunResults {
  return reduceEvents(mixedRunEvents());
}
