// The machines: inventory and machine targets: picked by name or labels; host keys pinned or refused with the fix.
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readInventoryFile } from '../../harness/config/machines.js';
import { parseRunConfig } from '../../harness/config/run-config.js';
import { ExitCode } from '../../harness/util/errors.js';
import { runCli } from '../helpers/cli.js';
import { targetLanes } from '../../harness/runner/run.js';
import { renameRequestObjects, requestObjects } from '../../harness/targets/request-objects.js';
import { configErrorOf } from '../helpers/config-error.js';

const PIN = 'SHA256:FWOWbEemWMeZ1Ab+goN7J5vuH0agCNZk6wvQfXXCGsA';
const lab = (extra = '') => `name: x
machines:
  lab1: {host: 10.0.0.5, identity: /keys/id, hostKey: "${PIN}", labels: [x86, big]${extra}}
  lab2: {host: 10.0.0.6, port: 2222, user: root, identity: keys/id, knownHosts: known_hosts, labels: [x86]}
`;

const errorOf = (text: string) => configErrorOf(text, '/cfg/run.yaml');

t.test('a target picks a machine by name; labels pick every machine that has them all', async (t) => {
  const byName = parseRunConfig('/cfg/run.yaml', `${lab()}targets:\n  - {kind: machine, machine: lab2}\n`);
  t.match(byName.targets, [{ name: 'lab2', kind: 'machine', machine: { host: '10.0.0.6', port: 2222, identity: '/cfg/keys/id', hostKeys: { knownHosts: '/cfg/known_hosts' } } }]);
  t.match(byName.machines.get('lab1'), { port: 22, user: 'root', node: 'node', cacheDir: '.cache/kptrlab', hostKeys: { fingerprints: [PIN] } });
  const byLabel = parseRunConfig('/cfg/run.yaml', `${lab()}targets:\n  - {name: perf, kind: machine, labels: [x86]}\n`);
  t.same(byLabel.targets.map((target) => target.name), ['perf@lab1', 'perf@lab2']);
  const both = parseRunConfig('/cfg/run.yaml', `${lab()}targets:\n  - {kind: machine, labels: [x86, big]}\n`);
  t.same(both.targets.map((target) => target.name), ['lab1']);
});

t.test('an inventory file is read relative to the config', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kptrlab-inventory-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'lab.yaml'), lab().replace('name: x\n', ''));
  const config = parseRunConfig(join(dir, 'run.yaml'), 'name: x\nmachines: lab.yaml\ntargets:\n  - {kind: machine, machine: lab1}\n');
  t.equal(config.machines.get('lab2')?.identity, join(dir, 'keys/id'));
  const missing = errorOf('name: x\nmachines: nowhere.yaml\n');
  t.match(missing.message, /machines: expected an inventory file that exists/);
});

t.test('no host key means no machine: trust on first use is refused', async (t) => {
  const error = errorOf('name: x\nmachines:\n  lab1: {host: h, identity: /id}\n');
  t.equal(error.details.keyPath, 'machines.lab1');
  t.match(error.message, /exactly one of hostKey or knownHosts/);
  t.match(error.hint, /does not trust a first connection/);
  t.match(errorOf(lab().replace(PIN, 'SHA256:nope')).message, /machines.lab1.hostKey: expected a SHA256/);
  t.match(errorOf(lab().replace('knownHosts: known_hosts', `knownHosts: known_hosts, hostKey: "${PIN}"`)).message, /exactly one of hostKey or knownHosts/);
});

t.test('bad picks and entries name the key and the fix', async (t) => {
  t.match(errorOf(`${lab()}targets:\n  - {kind: machine, machine: lab9}\n`).message, /targets\[0\].machine: expected one of the machines lab1, lab2/);
  t.match(errorOf(`${lab()}targets:\n  - {kind: machine, labels: [arm64]}\n`).message, /labels some machine has/);
  t.match(errorOf(`${lab()}targets:\n  - {kind: machine, machine: lab1, labels: [x86]}\n`).message, /exactly one of machine/);
  t.match(errorOf('name: x\ntargets:\n  - {kind: machine, machine: lab1}\n').message, /inventory, which is empty/);
  t.match(errorOf(`${lab()}targets:\n  - {kind: machine, machine: lab1}\n  - {kind: machine, labels: [big]}\n`).hint, /Rename one of the targets called "lab1"/);
  t.match(errorOf(lab(', cacheDir: ..')).message, /cacheDir: expected a folder of its own/);
  t.match(errorOf(lab(', cacheDir: /')).message, /cacheDir: expected a folder of its own/);
  t.match(errorOf(lab(', prot: 22')).hint, /Did you mean "port"/);
});

t.test('the objects of a request are listed once and renamed everywhere', async (t) => {
  const verify = { op: 'verify' as const, objects: [{ path: '/a.o', source: 'a.c' }, { path: '/b.o', source: 'b.c' }, { path: '/a.o', source: 'a2.c' }], logLevel: 1, caseTagPrefix: 'case' };
  t.same(requestObjects(verify), ['/a.o', '/b.o']);
  t.same(renameRequestObjects(verify, (path) => `/remote${path}`), { ...verify, objects: [{ path: '/remote/a.o', source: 'a.c' }, { path: '/remote/b.o', source: 'b.c' }, { path: '/remote/a.o', source: 'a2.c' }] });
  const bench = { op: 'bench' as const, object: '/bench.o', variants: [], rejectProbe: [], sizes: [16], samples: 10, warmup: 0, lookups: 1, repeat: 1, seed: 1 };
  t.same(renameRequestObjects(bench, () => '/r.o'), { ...bench, object: '/r.o' });
  const probe = { op: 'probe' as const, objects: ['/p.o'], kfuncs: [] };
  t.same((renameRequestObjects(probe, (path) => `${path}.x`) as typeof probe).objects, ['/p.o.x']);
  const selftest = { op: 'selftest' as const, jobs: [{ id: 'j', object: '/s.o', load: null, program: null, logLevel: 0, flags: null, execute: null, unpriv: false }] };
  t.same(requestObjects(selftest), ['/s.o']);
  t.equal((renameRequestObjects(selftest, () => '/t.o') as typeof selftest).jobs[0]!.object, '/t.o');
});

t.test('targets run in lanes: this host is one, each machine another, config order kept', async (t) => {
  const config = parseRunConfig('/cfg/run.yaml', `${lab()}targets:\n  - {name: a, kind: local}\n  - {kind: machine, machine: lab1}\n  - {name: q, kind: qemu, kernel: {debianPackage: linux-image-amd64}}\n  - {name: again, kind: machine, machine: lab1}\n  - {kind: machine, machine: lab2}\n`);
  t.same(targetLanes(config.targets).map((lane) => lane.map((target) => target.name)), [['a', 'q'], ['lab1', 'again'], ['lab2']]);
});

t.test('power, console, boot timeout and a kernel to kexec: argument lists, defaults and errors with the fix', async (t) => {
  const kernels = 'kernels:\n  source: {kind: debian, package: linux-source-7.3, suite: trixie-backports}\n  variants:\n    patched-lab: {description: lab}\n';
  const config = parseRunConfig('/cfg/run.yaml', `${kernels}${lab(', arch: x86_64, bootTimeoutSec: 90, power: {hardReset: [./reset, lab1]}, console: [tail, -F, /var/log/lab1]')}targets:\n  - {kind: machine, machine: lab1, kernel: {variant: patched-lab, append: "mitigations=off  nokaslr"}}\n  - {kind: machine, machine: lab2}\n`);
  t.match(config.machines.get('lab1'), { bootTimeoutSec: 90, power: { hardReset: ['/cfg/reset', 'lab1'], reboot: ['reboot'], resetTimeoutSec: 60 }, console: ['tail', '-F', '/var/log/lab1'] });
  t.match(config.machines.get('lab2'), { bootTimeoutSec: 300, power: { hardReset: undefined, reboot: ['reboot'] }, console: undefined });
  t.match(config.targets[0], { kind: 'machine', kernel: { variant: 'patched-lab', append: ['mitigations=off', 'nokaslr'] } });
  t.notOk('kernel' in config.targets[1]!, 'a machine target without kernel: runs the machine\'s own');
  t.match(errorOf(lab(', power: {hardReset: "ipmitool power reset"}')).message, /hardReset: expected an argument list/);
  t.match(errorOf(lab(', console: []')).message, /console: expected a non-empty argument list/);
  t.match(errorOf(`${kernels}${lab(', arch: x86_64')}targets:\n  - {kind: machine, machine: lab1, kernel: {variant: nope}}\n`).message, /variant: expected one of the kernel variants patched-lab/);
  t.match(errorOf(`${kernels}${lab()}targets:\n  - {kind: machine, machine: lab1, kernel: {variant: patched-lab}}\n`).hint, /Add "arch: x86_64" or "arch: arm64" to machine lab1/);
  t.match(errorOf(`${lab(', arch: x86_64')}targets:\n  - {kind: machine, machine: lab1, kernel: {variant: patched-lab}}\n`).message, /a variant of the kernels: section/);
  t.match(errorOf(`${kernels}${lab()}targets:\n  - {kind: machine, labels: [x86], kernel: {variant: patched-lab}}\n`).hint, /to machine lab1/, 'a labels pick checks each machine it picked');
});

t.test('an inventory file named on the command line: read and parsed, or a usage error naming the flag and the file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kptrlab-inventory-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'lab.yaml');
  writeFileSync(file, `machines:\n  lab1: {host: 10.0.0.5, identity: /keys/id, hostKey: "${PIN}", labels: [x86]}\n`);
  t.same([...readInventoryFile(file).keys()], ['lab1']);
  const missing = join(dir, 'missing.yaml');
  t.throws(() => readInventoryFile(missing), { name: 'KptrlabError', code: 'USAGE', message: `--machines ${missing}: ENOENT`, exitCode: ExitCode.usage, hint: /docs\/lab-machines\.md/ });
  // Every command that takes --machines goes through it: exit 2 and the same words (ci wants a path in the repository).
  const absent = 'config/no-such-inventory.yaml';
  for (const argv of [['ci', 'matrix', '--config', 'config/ab.yaml', '--shards', '2'], ['machine', 'list']]) {
    const run = await runCli([...argv, '--machines', absent]);
    t.equal(run.exitCode, 2, `${argv.join(' ')}: ${run.stderr}`);
    t.match(run.stderr, `--machines ${absent}: ENOENT`);
  }
});
