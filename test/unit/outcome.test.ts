// The exit-code contract fed failing inputs: each kind of failure must turn a passing run into exit 1.
import t from 'tap';
import type { RunResults, TargetResult } from '../../harness/results/model.js';
import { runOutcome } from '../../harness/runner/outcome.js';
import { integrity } from '../helpers/events.js';

function target(overrides: Partial<TargetResult> = {}): TargetResult {
  return {
    target: { name: 't', kind: 'local', accelerator: 'native', timeUnit: 'ns', kernelRelease: '6.18', arch: 'x86_64' },
    cases: [{ name: 'walk_plain', source: 'walk.bpf.c', expected: 'accept', status: 'pass' } as unknown as TargetResult['cases'][number]],
    compileErrors: [],
    errors: [],
    ...overrides,
  };
}

function run(...targets: TargetResult[]): RunResults {
  return { schema: 'kptrlab.results', schemaVersion: 2, run: { id: 'r', configFile: 'c', configHash: 'h', startedAt: '', status: 'running', host: { hostname: 'h', cpu: 'c', cores: 2, memoryGiB: 24, kernelRelease: '6.18' }, kptrlab: { version: '0', commit: 'c' } }, targets };
}

const bench = (ok: boolean, errors: Array<{ message: string }> = []): TargetResult['bench'] => ({
  sizes: [16], samples: 10, warmup: 1, lookups: 200, repeat: 2, seed: 1, unit: 'ns', rejected: [], rawSamples: [], cells: [], calibration: [], ratios: [], errors,
  integrity: [{ ...integrity(16, 4400, 16), ok }],
});

t.test('a clean run passes; every failure kind fails it with 1; infrastructure is 69', async (t) => {
  t.same(runOutcome(run(target({ bench: bench(true) })), false), { status: 'passed', exitCode: 0 });
  const failing: Record<string, TargetResult> = {
    'a failed case': target({ cases: [{ ...target().cases[0]!, status: 'fail' }] }),
    'a compile error': target({ compileErrors: [{ source: 'x.bpf.c', firstError: 'error', log: '' } as unknown as TargetResult['compileErrors'][number]] }),
    'a series mismatch (target error)': target({ errors: [{ stage: 'probe', message: 'declares full, finds lock', code: 'SERIES_MISMATCH' }] }),
    'a kernel splat': target({ errors: [{ stage: 'splat', message: 'kernel panic', code: 'KERNEL_SPLAT' }] }),
    'a target that died mid-suite': target({ errors: [{ stage: 'bench', message: 'the target stopped answering', code: 'TARGET_DIED', consoleTail: 'Kernel panic' }] }),
    'a wrong integrity sum': target({ bench: bench(false) }),
    'a benchmark error': target({ bench: bench(true, [{ message: 'sample failed' }]) }),
  };
  for (const [what, bad] of Object.entries(failing)) {
    t.same(runOutcome(run(target(), bad), false), { status: 'failed', exitCode: 1 }, what);
  }
  t.same(runOutcome(run(target()), true), { status: 'error', exitCode: 69 });
});
