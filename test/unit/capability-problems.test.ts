import t from 'tap';
import { capabilityProblems } from '../../harness/runner/target-run.js';
import type { Capability } from '../../harness/suites/capability.js';

const at = (level: Capability['level'], anomalies: string[] = []): Capability => ({ level, walkKfuncs: true, xchgUnderLock: false, xchgNonOwn: false, xchgNonOwnRcu: false, anomalies });

t.test('a declared series that the probes do not find is a SERIES_MISMATCH target error', async (t) => {
  t.same(capabilityProblems(at('full'), 'full'), []);
  t.same(capabilityProblems(at('nonown'), 'v5'), []);
  t.same(capabilityProblems(at('lock'), 'lock'), []);
  t.same(capabilityProblems(at('base'), 'absent'), []);
  t.same(capabilityProblems(at('nowalk'), 'absent'), [], 'a kernel without the walk kfuncs has none of the series either');
  t.same(capabilityProblems(at('base'), undefined), [], 'nothing declared, nothing to compare');
  // Patches 2 and 4 silently not applied: the probes say lock, the config says full.
  const [problem, ...rest] = capabilityProblems(at('lock'), 'full');
  t.equal(rest.length, 0);
  t.equal(problem?.code, 'SERIES_MISMATCH');
  t.match(problem?.message, /declares series: full \(level full\) but the probes find level lock/);
  t.equal(capabilityProblems(at('full'), 'absent')[0]?.code, 'SERIES_MISMATCH', 'the series present where the config says absent');
});

t.test('probe anomalies fail the target, one error each', async (t) => {
  const problems = capabilityProblems(at('base', ['the MEM_RCU variant loads but the plain non-owning one does not']), 'absent');
  t.same(problems.map((problem) => problem.code), ['PROBE_ANOMALY']);
  t.match(problems[0]?.message, /contradict each other: the MEM_RCU variant loads/);
});
