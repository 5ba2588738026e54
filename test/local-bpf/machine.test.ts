// This machine as a lab machine: a real OpenSSH server on loopback, reached only through a `machine` target.
import t from 'tap';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { projectPath } from '../../harness/util/paths.js';
import { MachineTarget } from '../../harness/targets/machine.js';
import { markHealth, readHealth } from '../../harness/targets/machine-health.js';
import { bpfSkipReason } from '../helpers/bpf-env.js';
import { runCli } from '../helpers/cli.js';
import { makeHostKey, sshdSkipReason, startSshd, type TestSshd } from '../helpers/sshd.js';

const skip = bpfSkipReason() ?? sshdSkipReason();
if (skip) t.comment(`skipping the loopback machine tests: ${skip}`);

const machineTempDirs = () => readdirSync(tmpdir()).filter((name) => name.startsWith('kptrlab-machine-'));
const agentProcesses = (cache: string) => {
  try {
    return execFileSync('pgrep', ['-f', `${cache}/agent/`], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
};

function writeConfig(sshd: TestSshd, name: string, entry: Record<string, string | number>): string {
  const path = join(sshd.dir, `${name}.yaml`);
  const fields = Object.entries({ host: '127.0.0.1', port: sshd.port, identity: sshd.identity, hostKey: `"${sshd.fingerprint}"`, cacheDir: join(sshd.dir, 'remote-cache'), ...entry }).map(([key, value]) => `${key}: ${value}`).join(', ');
  writeFileSync(path, `name: ${name}
machines:
  loopback: {${fields}}
targets:
  - {name: local, kind: local, series: absent}
  - {kind: machine, machine: loopback, series: absent, tune: true}
bench: {sizes: [256], variants: [stock, walk], samples: 10, warmup: 1, lookups: 200, repeat: 2}
`);
  return path;
}

t.test('the loopback machine', { skip }, async (t) => {
  const sshd = await startSshd();
  t.teardown(() => sshd.stop());
  const cache = join(sshd.dir, 'remote-cache');
  const before = machineTempDirs();

  t.test('runs the verifier matrix and the benchmark with the local target\'s verdicts and level', async (t) => {
    const run = await runCli(['run', '--config', writeConfig(sshd, 'loopback', {})]);
    if (run.exitCode !== 0) t.comment(run.stdout.slice(-1500) + run.stderr.slice(-500));
    t.equal(run.exitCode, 0, 'exit code');
    const [local, machine] = run.results?.targets ?? [];
    t.match(machine?.target, { name: 'loopback', kind: 'machine', accelerator: 'native', timeUnit: 'ns', arch: 'x86_64' });
    t.equal(machine?.capability?.level, local?.capability?.level, 'same capability level');
    t.ok((local?.cases.length ?? 0) > 10, 'the matrix ran');
    t.same(machine?.cases.map((entry) => [entry.id, entry.actual, entry.status]), local?.cases.map((entry) => [entry.id, entry.actual, entry.status]), 'same verdicts, case by case');
    t.same(machine?.bench?.cells.map((cell) => [cell.size, cell.variant, cell.durations.length]), local?.bench?.cells.map((cell) => [cell.size, cell.variant, cell.durations.length]), 'same cells, same samples');
    t.match(machine?.bench?.integrity, [{ size: 256, ok: true, nodes: { expected: 256, counted: 256 } }], 'every access counted in the machine\'s tree');
    t.equal(machine?.provenance?.machine.kernelRelease, local?.provenance?.machine.kernelRelease);
    // tune: true on this VM: nothing it can change, each knob it lacks said, the agent pinned to the last CPU.
    t.match(machine?.provenance?.tune, { cpu: cpus().length - 1, changes: [], notRestored: [] });
    t.match(machine?.provenance?.tune?.unavailable, [/frequency governor/, /boost\/turbo/, /SMT sibling/]);
    t.match(run.stdout, /tune: cannot tune frequency governor/);
    // Two machines, two lanes: the machine's target started before the local one finished.
    const events = readFileSync(join(run.outputDir, readdirSync(run.outputDir)[0]!, 'events.ndjson'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { type: string; target?: string | { name: string } });
    const machineStart = events.findIndex((event) => event.type === 'target-start' && typeof event.target === 'object' && event.target.name === 'loopback');
    const localLast = events.map((event) => event.target).lastIndexOf('local');
    t.ok(machineStart > 0 && machineStart < localLast, `lanes overlap (machine started at event ${machineStart}, local's last event ${localLast})`);
    // Nothing of the run is left on the machine but its cache folder (content-addressed files and the lock file).
    t.same(readdirSync(cache).sort(), ['agent', 'lock', 'native', 'objects']);
    t.ok(readdirSync(join(cache, 'objects')).every((name) => /^[0-9a-f]{64}\.bpf\.o$/.test(name)), 'objects stored by content only');
    t.equal(agentProcesses(cache), '', 'no agent process remains');
    t.same(machineTempDirs(), before, 'no local temp folder remains');
  });

  t.test('a host key that is not the pinned one is refused, naming both fingerprints', async (t) => {
    const other = makeHostKey(join(sshd.dir, 'other'));
    const run = await runCli(['run', '--config', writeConfig(sshd, 'changed', { hostKey: `"${other.fingerprint}"` })]);
    t.equal(run.exitCode, 69);
    t.match(run.stdout + run.stderr, /SSH_HOST_KEY/);
    t.match(run.stdout + run.stderr, `it offered ${sshd.fingerprint}, the inventory pins ${other.fingerprint}`);
    const local = run.results?.targets.find((target) => target.target.name === 'local');
    t.ok(local?.cases.length && local.errors.length === 0, 'the local target ran, its results intact');
    t.match(run.results?.targets.find((target) => target.target.name === 'loopback')?.errors, [{ code: 'SSH_HOST_KEY' }], 'the refusal is in the results');
  });

  t.test('a machine marked bad is not used until machine check passes, which marks it good', async (t) => {
    const state = join(sshd.dir, 'state');
    const env = { KPTRLAB_STATE: state };
    markHealth('loopback', 'bad', 'no SSH after the hard reset', join(state, 'machines'));
    const config = writeConfig(sshd, 'unhealthy', {});
    const run = await runCli(['run', '--config', config], { env });
    t.equal(run.exitCode, 69, 'exit 69: a machine is unavailable');
    t.match(run.results?.targets.find((target) => target.target.name === 'loopback')?.errors, [{ code: 'MACHINE_UNHEALTHY', message: /marked bad since .*: no SSH after the hard reset/, hint: /kptrlab machine check loopback/ }]);
    t.same(run.results?.targets.find((target) => target.target.name === 'local')?.errors, [], 'the other lane ran');
    const list = await runCli(['machine', 'list', '--config', config], { env });
    t.match(list.stdout, /loopback .* BAD since .*: no SSH after the hard reset/);
    const check = await runCli(['machine', 'check', 'loopback', '--config', config], { env });
    t.equal(check.exitCode, 0, check.stdout + check.stderr);
    t.match(check.stdout, /ok +health +was marked bad \(no SSH after the hard reset\); marked good again/);
    t.equal(readHealth('loopback', join(state, 'machines')).health, 'good');
    t.notMatch((await runCli(['machine', 'list', '--config', config], { env })).stdout, /BAD/);
  });

  t.test('one job at a time: a second preflight finds the machine busy until the first lets go', async (t) => {
    const options = { name: 'loopback', host: '127.0.0.1', port: sshd.port, user: 'root', identity: sshd.identity, hostKeys: { fingerprints: [sshd.fingerprint] }, node: process.execPath, cacheDir: cache, connectTimeoutSec: 10, execTimeoutSec: 60, bootTimeoutSec: 60, power: { reboot: ['reboot'], resetTimeoutSec: 10 } };
    const first = new MachineTarget(options);
    const second = new MachineTarget(options);
    t.teardown(async () => {
      await second.teardown();
      await first.teardown();
    });
    await first.preflight();
    await t.rejects(second.preflight(), { code: 'MACHINE_BUSY' });
    await second.teardown();
    await first.teardown();
    const third = new MachineTarget(options);
    await third.preflight();
    t.ok(existsSync(third.btfPath), 'free again: the BTF came over');
    await third.teardown();
  });

  t.test('machine check says what is missing and how to install it; clean removes the cache folder', async (t) => {
    const good = await runCli(['machine', 'check', 'loopback', '--config', writeConfig(sshd, 'check', {})]);
    t.equal(good.exitCode, 0, good.exitCode ? good.stdout + good.stderr : 'ready');
    t.match(good.stdout, /ok +agent +runs: kernel \S+, libbpf \d/);
    t.match(good.stdout, /loopback: ready/);
    const bad = await runCli(['machine', 'check', 'loopback', '--config', writeConfig(sshd, 'nonode', { node: '/usr/bin/kptrlab-no-such-node' })]);
    t.equal(bad.exitCode, 1, bad.exitCode === 1 ? 'something missing' : bad.stdout + bad.stderr);
    t.match(bad.stdout, /MISSING +node +`\/usr\/bin\/kptrlab-no-such-node` does not run/);
    t.match(bad.stdout, /fix: Install Node.js/);
    t.notMatch(bad.stdout, /ok +agent/, 'the agent is not shipped to a machine that cannot run it');
    const clean = await runCli(['machine', 'clean', 'loopback', '--config', writeConfig(sshd, 'clean', {})]);
    t.equal(clean.exitCode, 0, clean.stderr);
    t.notOk(existsSync(cache), 'the cache folder is gone');
  });

  t.test('tune: changes the machine, reports what it may not change, restores at teardown and after a crash', async (t) => {
    // A sysfs of our own (the tuning scripts take its root): an SMT pair, a governor, and a boost switch the kernel refuses.
    const root = join(sshd.dir, 'fake-sys');
    const cpu = join(root, 'sys/devices/system/cpu');
    const put = (path: string, text: string) => {
      mkdirSync(dirname(join(cpu, path)), { recursive: true });
      writeFileSync(join(cpu, path), `${text}\n`);
    };
    put('online', '0-3');
    put('cpufreq/policy0/scaling_governor', 'schedutil');
    for (const [n, siblings] of [[0, '0,2'], [1, '1,3'], [2, '0,2'], [3, '1,3']] as const) {
      put(`cpu${n}/topology/thread_siblings_list`, siblings);
      if (n > 0) put(`cpu${n}/online`, '1');
    }
    symlinkSync('/proc/sys/kernel/osrelease', join(cpu, 'cpufreq/boost'));
    const read = (path: string) => readFileSync(join(cpu, path), 'utf8').trim();
    const options = { name: 'loopback', host: '127.0.0.1', port: sshd.port, user: 'root', identity: sshd.identity, hostKeys: { fingerprints: [sshd.fingerprint] }, node: process.execPath, cacheDir: cache, connectTimeoutSec: 10, execTimeoutSec: 60, bootTimeoutSec: 60, power: { reboot: ['reboot'], resetTimeoutSec: 10 }, tune: { sysfsRoot: root, cpu: 1 } };
    const stages: string[] = [];
    const target = new MachineTarget(options, (text) => stages.push(text));
    t.teardown(() => target.teardown());
    await target.preflight();
    t.equal(read('cpufreq/policy0/scaling_governor'), 'performance');
    t.equal(read('cpu3/online'), '0', 'the SMT sibling of the measured CPU (1) is offline');
    t.equal(read('cpu2/online'), '1', 'other CPUs are left alone');
    t.equal(target.tuneReport?.cpu, 1);
    t.match(target.tuneReport?.changes.find((change) => change.what === 'boost'), { refused: /Permission denied/ }, 'a refused write is reported');
    t.match(stages.join('\n'), /tune: boost .* NOT ALLOWED/);
    let hello = false;
    await target.runAgent({ op: 'probe', objects: [], kfuncs: [] }, (event) => (hello ||= event.type === 'hello'));
    t.ok(hello, 'the agent runs under taskset -c 1');
    await target.teardown();
    t.equal(read('cpufreq/policy0/scaling_governor'), 'schedutil', 'governor restored');
    t.equal(read('cpu3/online'), '1', 'sibling back online');
    t.same(target.tuneReport?.notRestored, [], 'every value is back (the refused boost write never changed anything)');
    t.match(stages.at(-1), /tune: restored 2 setting\(s\)/);

    // A run killed mid-way (SIGKILL: no teardown at all): the guard on the machine restores when the connection drops.
    const script = join(sshd.dir, 'crash.mjs');
    writeFileSync(script, `import { MachineTarget } from ${JSON.stringify(projectPath('dist', 'harness', 'targets', 'machine.js'))};\nconst target = new MachineTarget(${JSON.stringify(options)});\nawait target.preflight();\nconsole.log('tuned');\nsetInterval(() => {}, 1000);\n`);
    // Its temp folder (the BTF copy) cannot be removed by a SIGKILLed process: it goes in a folder the test removes.
    const childTmp = join(sshd.dir, 'child-tmp');
    mkdirSync(childTmp, { recursive: true });
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, TMPDIR: childTmp } });
    t.teardown(() => child.kill('SIGKILL'));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('tuned') && resolve());
      child.on('exit', (code) => reject(new Error(`the tuning child exited ${code}`)));
    });
    t.equal(read('cpufreq/policy0/scaling_governor'), 'performance', 'tuned by the child');
    child.kill('SIGKILL');
    const deadline = Date.now() + 15_000;
    while ((read('cpufreq/policy0/scaling_governor') !== 'schedutil' || read('cpu3/online') !== '1') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    t.equal(read('cpufreq/policy0/scaling_governor'), 'schedutil', 'restored after the kill');
    t.equal(read('cpu3/online'), '1', 'sibling back online after the kill');
  });

  t.teardown(() => rmSync(cache, { recursive: true, force: true }));
});
