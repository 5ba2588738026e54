import t from 'tap';
import type { CaseResult, RunResults, TargetResult } from '../../harness/results/model.js';
import { speedupTable, verdictMatrix } from '../../harness/report/ab-summary.js';

function target(name: string, level: 'base' | 'full', fastVerdict: 'accept' | 'reject', ratios: TargetResult['bench'] extends infer B ? (B extends { ratios: infer R } ? R : never) : never): TargetResult {
  const entry = (id: string, actual: 'accept' | 'reject'): CaseResult => ({ id, source: 's', description: '', level, expected: actual, actual, status: 'pass', stats: null });
  return {
    target: { name, kind: 'qemu', accelerator: 'tcg', timeUnit: 'icount-ns', kernelRelease: '7.3', arch: 'x86_64' },
    capability: { level, walkKfuncs: true, xchgUnderLock: level === 'full', xchgNonOwn: level === 'full', xchgNonOwnRcu: level === 'full', anomalies: [], facts: { kfuncs: {}, probes: {} } },
    cases: [entry('fast_plain', fastVerdict), entry('stock', 'accept')],
    compileErrors: [],
    errors: [],
    bench: { sizes: [16], samples: 10, warmup: 0, lookups: 1, repeat: 1, seed: 1, unit: 'icount-ns', rejected: [], rawSamples: [], cells: [], calibration: [], ratios, integrity: [], errors: [] },
  };
}

const results = (targets: TargetResult[]): RunResults => ({
  schema: 'kptrlab.results',
  schemaVersion: 2,
  run: { id: 'r', configFile: 'c', configHash: 'h', startedAt: '', status: 'passed', host: { hostname: 'h', cpu: 'c', cores: 2, memoryGiB: 1, kernelRelease: '6.18' }, kptrlab: { version: '0', commit: 'c' } },
  targets,
});

t.test('verdict matrix marks the cases whose verdict changed between kernels', async (t) => {
  const text = verdictMatrix(results([target('base', 'base', 'reject', []), target('patched', 'full', 'accept', [])]));
  t.match(text, /case\s+base \(base\)\s+patched \(full\)\s+changed\s+ok/);
  t.match(text, /fast_plain\s+reject\s+accept\s+yes\s+pass/);
  t.match(text, /stock\s+accept\s+accept\s+pass/);
  t.equal(verdictMatrix(results([target('base', 'base', 'reject', [])])), '', 'one target: no A/B');
});

t.test('speedups carry the accelerator and unit, and only where the fast path ran', async (t) => {
  const patched = target('patched', 'full', 'accept', [{ size: 16, numerator: 'stock', denominator: 'fast', unit: 'icount-ns', n: 10, ratio: 2.5, ciLow: 2.4, ciHigh: 2.6 }]);
  const text = speedupTable(results([target('base', 'base', 'reject', []), patched]));
  t.match(text, /patched\s+tcg\s+16\s+2\.50x \[2\.40, 2\.60\]\s+-\s+icount-ns/);
  t.match(text, /base\s+tcg\s+16\s+-\s+-/);
  t.equal(speedupTable(results([target('base', 'base', 'reject', [])])), '', 'no fast path anywhere: no table');
});
