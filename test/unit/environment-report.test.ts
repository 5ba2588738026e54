// The environment events through the one reducer (provenance.environment) and the table reporter's one line.
import t from 'tap';
import type { RunEvent } from '../../harness/results/events.js';
import type { EnvironmentRecord, TargetInfo } from '../../harness/results/model.js';
import { environmentLine } from '../../harness/report/environment-line.js';
import { replay, runEnd, runStart } from '../helpers/events.js';

const target: TargetInfo = { name: 'local', kind: 'local', accelerator: 'native', timeUnit: 'ns', kernelRelease: '6.18.0', arch: 'x86_64' };

function record(load: number, busy: EnvironmentRecord['activity']['busy'] = []): EnvironmentRecord {
  return {
    cpu: { model: 'AMD EPYC 7B13', microcode: null, online: 2, cores: 2, threadsPerCore: 1, smt: { control: 'notsupported', active: false }, numaNodes: 1 },
    cpufreq: { governors: ['performance'], driver: 'acpi-cpufreq', boost: { enabled: false, source: '/sys/devices/system/cpu/cpufreq/boost' } },
    isolatedCpus: '',
    nohzFull: null,
    cmdline: 'console=ttyS0',
    mitigations: { meltdown: 'Not affected' },
    memory: { totalKiB: 1000, availableKiB: 600 },
    loadavg: [load, 0.5, 0.25],
    activity: { sampleMs: 250, busy, otherUsers: 0 },
  };
}

const events = (after: RunEvent): RunEvent[] => [
  runStart(['local']),
  { type: 'target-start', target },
  { type: 'provenance', target: 'local', provenance: { objects: {}, libbpf: '1.8.0' } },
  { type: 'environment', target: 'local', phase: 'before', record: record(0.12) },
  { type: 'provenance', target: 'local', provenance: { objects: { 'programs/a.bpf.c': 'ab' } } },
  after,
  runEnd(0),
];

t.test('both reads land in the provenance, which later provenance events keep; the table says it in one line', async (t) => {
  const { out, state } = replay(events({ type: 'environment', target: 'local', phase: 'after', record: record(0.8, [{ pid: 9, comm: 'stress', percent: 97.5 }]) }), 'table');
  const environment = state.targets[0]!.provenance!.environment!;
  t.equal(environment.before!.loadavg![0], 0.12);
  t.same(environment.after!.activity.busy, [{ pid: 9, comm: 'stress', percent: 97.5 }]);
  t.notOk(environment.warnings, 'no warning when both reads worked');
  t.same(state.targets[0]!.provenance!.objects, { 'programs/a.bpf.c': 'ab' });
  t.match(out, /\nenvironment on local: AMD EPYC 7B13, 2 cpus, smt notsupported, governor performance, boost off, load 0\.12 → 0\.80, 1 busy process \(stress 98 %\)\n/);
  t.equal(state.run.status, 'passed', 'the environment never changes the outcome');
});

t.test('a read that failed is a warning in the provenance and on the line, not a target error', async (t) => {
  const failed: RunEvent = { type: 'environment', target: 'local', phase: 'after', record: null, problem: 'the environment could not be read: agent environment ended without finishing (exit 1)\nstderr tail' };
  const { out, state } = replay(events(failed), 'table');
  const entry = state.targets[0]!;
  t.same(entry.errors, []);
  t.same(entry.provenance!.environment!.warnings, ['after: the environment could not be read: agent environment ended without finishing (exit 1)\nstderr tail']);
  t.notOk(entry.provenance!.environment!.after);
  t.match(out, /environment on local: AMD EPYC 7B13, .*load 0\.12, 0 busy processes \(after: the environment could not be read: agent environment ended without finishing \(exit 1\)\)\n/);
});

t.test('an environment event before any provenance still lands; a line with nothing read says so', async (t) => {
  const { state } = replay([runStart(['local']), { type: 'target-start', target }, { type: 'environment', target: 'local', phase: 'before', record: null, problem: 'no agent' }, runEnd(0)], 'tap');
  t.same(state.targets[0]!.provenance!.environment, { warnings: ['before: no agent'] });
  t.equal(environmentLine({ warnings: ['before: no agent'] }), 'not read (before: no agent)');
  const unknown = record(0.1);
  unknown.cpufreq = { governors: null, driver: null, boost: { enabled: null, source: null } };
  unknown.cpu.smt = { control: 'on', active: true };
  unknown.isolatedCpus = '2-3';
  unknown.activity.otherUsers = 2;
  t.equal(environmentLine({ before: unknown }), 'AMD EPYC 7B13, 2 cpus, smt on, governor unknown, boost unknown, isolated 2-3, load 0.10, 0 busy processes, 2 other users');
});
