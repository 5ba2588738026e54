// The environment record on this machine: the agent's own read agrees with Node's view of it, and a real run keeps
// a read before and after the suites in the target's provenance (also when a stage failed, the target still alive).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { readEventLog } from '../../harness/results/event-log.js';
import type { EnvironmentRecord } from '../../harness/results/model.js';
import { captureEnvironment } from '../../harness/suites/environment.js';
import { LocalTarget } from '../../harness/targets/local.js';
import { bpfSkipReason } from '../helpers/bpf-env.js';
import { runCli } from '../helpers/cli.js';
import { scratchDir } from '../helpers/scratch.js';

const skip = bpfSkipReason();
if (skip) t.comment(`skipping local BPF tests: ${skip}`);

t.test("the agent's environment op on this machine agrees with what Node and /proc say", { skip }, async (t) => {
  const event = await captureEnvironment(new LocalTarget(), 'before');
  t.equal(event.problem, undefined, 'read without a problem');
  const record = event.record as EnvironmentRecord;
  t.equal(record.cpu.model, cpus()[0]!.model);
  t.equal(record.cpu.online, cpus().length);
  t.equal(record.cmdline, readFileSync('/proc/cmdline', 'utf8').trim());
  t.equal(record.loadavg?.length, 3);
  t.ok(record.loadavg!.every((value) => Number.isFinite(value) && value >= 0), `load ${record.loadavg!.join(' ')}`);
  t.ok((record.memory.totalKiB ?? 0) > 0 && (record.memory.availableKiB ?? 0) > 0, 'memory from /proc/meminfo');
  t.ok(record.mitigations && Object.keys(record.mitigations).length > 0, 'the vulnerabilities folder');
  t.ok(Array.isArray(record.activity.busy), 'other processes sampled');
  t.notOk(record.activity.busy!.some((entry) => entry.pid === process.pid), 'the test that started the agent is its parent chain, not other activity');
  t.comment(`this machine: ${JSON.stringify({ ...record, cmdline: undefined, mitigations: undefined })}`);
});

t.test('a real run keeps the environment before and after the suites, and the table shows it in one line', { skip }, async (t) => {
  const run = await runCli(['run', '--config', 'config/quick.yaml', '--sizes', '16']);
  t.equal(run.exitCode, 0, run.stderr.slice(-400));
  const environment = run.results!.targets[0]!.provenance!.environment!;
  t.equal(environment.before?.cpu.model, cpus()[0]!.model);
  t.equal(environment.after?.cpu.model, cpus()[0]!.model);
  t.notOk(environment.warnings, 'both reads worked');
  t.match(run.stdout, new RegExp(`\\nenvironment on local: ${cpus()[0]!.model.replace(/[()]/g, '\\$&')}, ${cpus().length} cpus, smt \\S+, governor \\S+, boost \\S+, load \\S+ → \\S+, \\d+ busy process`));
  // Before: right after the target is ready, before any result; after: once the last suite is done.
  const events = readEventLog(join(run.outputDir, readdirSync(run.outputDir)[0]!, 'events.ndjson')).events;
  const types = events.map((event) => (event.type === 'environment' ? `environment ${event.phase}` : event.type));
  t.ok(types.indexOf('environment before') > types.indexOf('target-ready') && types.indexOf('environment before') < types.indexOf('capability'), 'before the probe');
  t.equal(types.filter((type) => type.startsWith('environment')).length, 2, 'read twice');
  t.ok(types.indexOf('environment after') > Math.max(types.lastIndexOf('case'), types.lastIndexOf('bench-cell')), 'after the verifier matrix and the benchmark');
});

t.test('a stage that stops the target with the target alive still reads the environment after it', { skip }, async (t) => {
  const dir = scratchDir('kptrlab-env-probes-');
  writeFileSync(join(dir, 'broken.bpf.c'), '#include "kptrlab.h"\nSEC("tc") int broken(void *ctx) { return undefined_symbol; }\n');
  const config = join(dir, 'broken-probes.yaml');
  writeFileSync(config, `name: broken-probes\nprobes: ${dir}\nbench:\n  enabled: false\n`);
  const run = await runCli(['verify', '--config', config]);
  t.equal(run.exitCode, 69, 'probes that do not compile stop the harness');
  const target = run.results!.targets[0]!;
  t.match(target.errors, [{ code: 'PROBE_COMPILE' }]);
  t.ok(target.provenance?.environment?.before && target.provenance.environment.after, 'read before and after all the same');
});
