// Tuning a lab machine, the pure part: what is read from sysfs and which writes follow.
import t from 'tap';
import { parseCpuList, parseSysfsFacts, planTuning } from '../../harness/targets/machine-tune.js';

const SYS = '/sys/devices/system/cpu';
const smtMachine = [
  `governor ${SYS}/cpufreq/policy0/scaling_governor schedutil`,
  `governor ${SYS}/cpufreq/policy1/scaling_governor performance`,
  `boost ${SYS}/cpufreq/boost 1`,
  'online - 0-3',
  'isolated - ',
  `siblings ${SYS}/cpu0 0,2`, `siblings ${SYS}/cpu1 1,3`, `siblings ${SYS}/cpu2 0,2`, `siblings ${SYS}/cpu3 1,3`,
  `cpuonline ${SYS}/cpu1/online 1`, `cpuonline ${SYS}/cpu2/online 1`, `cpuonline ${SYS}/cpu3/online 1`,
].join('\n');

t.test('cpu lists as the kernel prints them', async (t) => {
  t.same(parseCpuList('0-3,8,10-11\n'), [0, 1, 2, 3, 8, 10, 11]);
  t.same(parseCpuList(''), []);
  t.same(parseCpuList('x,2'), [2], 'garbage is skipped');
});

t.test('an SMT machine: governor, boost and the sibling of the measured CPU', async (t) => {
  const facts = parseSysfsFacts(smtMachine);
  t.equal(facts.governors.length, 2);
  t.same(facts.online, [0, 1, 2, 3]);
  const plan = planTuning(facts, {});
  t.equal(plan.cpu, 3, 'no isolated CPU: the last online one');
  t.same(plan.changes.map((change) => [change.what, change.path, change.from, change.to]), [
    ['governor', `${SYS}/cpufreq/policy0/scaling_governor`, 'schedutil', 'performance'],
    ['boost', `${SYS}/cpufreq/boost`, '1', '0'],
    ['smt-sibling', `${SYS}/cpu1/online`, '1', '0'],
  ], 'policy1 is already on performance: left alone');
  t.same(plan.unavailable, []);
  t.equal(planTuning(parseSysfsFacts(smtMachine.replace('isolated - ', 'isolated - 2')), {}).cpu, 2, 'an isolated CPU is preferred');
  t.same(planTuning(facts, { cpu: 0 }).changes.at(-1)?.path, `${SYS}/cpu2/online`);
  t.throws(() => planTuning(facts, { cpu: 9 }), { code: 'TUNE_CPU' });
});

t.test('a VM with no cpufreq and no SMT: nothing to write, each missing knob said', async (t) => {
  const plan = planTuning(parseSysfsFacts(`online - 0-1\nsiblings ${SYS}/cpu0 0\nsiblings ${SYS}/cpu1 1\ncpuonline ${SYS}/cpu1/online 1\n`), {});
  t.equal(plan.cpu, 1);
  t.same(plan.changes, []);
  t.match(plan.unavailable, [/frequency governor/, /boost\/turbo/, /SMT sibling of CPU 1/]);
  const intel = planTuning(parseSysfsFacts(`intel-less\nno_turbo /x/no_turbo 0\nonline - 0\n`), {});
  t.same(intel.changes.map((change) => [change.what, change.to]), [['boost', '1']], 'intel_pstate: no_turbo=1 turns boost off');
});
