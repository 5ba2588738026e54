// kptrlab ci lava: a job per lab machine target for each boot flow (kexec, u-boot, grub), each accepted by LAVA's own
// schema (lava-common), a broken job refused by it, config mistakes named with their fix, odd strings quoted.
import t from 'tap';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { lavaTargets } from '../../harness/ci/lava-generate.js';
import { testShellSteps } from '../../harness/ci/lava-shell.js';
import { loadRunConfig } from '../../harness/config/load.js';
import { parseInventoryFile } from '../../harness/config/machines.js';
import { quoteArg } from '../../harness/ssh/quote.js';
import { generateForTest, validateLavaJobs, writeLavaConfig } from '../helpers/lava.js';
import { scratchDir } from '../helpers/scratch.js';

type Job = { job_name: string; device_type: string; metadata: Record<string, string>; tags?: string[]; actions: Array<Record<string, Record<string, unknown>>> };

const MACHINES = {
  server: 'arch: x86_64, lava: {deviceType: x86-server, boot: kexec, prompts: ["root@server:"]}',
  board: 'arch: arm64, lava: {deviceType: rk3588-board, boot: u-boot, nfsrootfs: "https://lab.example/rootfs/debian-arm64.tar.xz", dtb: "https://lab.example/dtb/rk3588.dtb", tags: [usb-serial]}',
  pc: 'arch: x86_64, lava: {deviceType: x86-pc, boot: grub, nfsrootfs: "https://lab.example/rootfs/debian-amd64.tar.gz", login: {prompt: "login:", username: root, passwordPrompt: "Password:", password: lab}}',
};
const TARGETS = [
  `{name: "srv $(touch /tmp/kptrlab-pwned) 'q'", kind: machine, machine: server, kernel: {variant: patched, append: "mitigations=off it's"}, series: absent}`,
  '{kind: machine, machine: board, kernel: {variant: patched}, series: full}',
  '{kind: machine, machine: pc, kernel: {variant: patched}, series: absent}',
];

t.test('one job per machine target, each valid by LAVA\'s schema, with the flow its device boots by', async (t) => {
  const dir = scratchDir('kptrlab-lava-jobs-');
  const config = writeLavaConfig(dir, MACHINES, TARGETS);
  const written = await generateForTest(config, join(dir, 'out'), { artifactsUrl: 'https://lab.example/kptrlab/' });
  t.same(written.map((job) => job.target), ["srv $(touch /tmp/kptrlab-pwned) 'q'", 'board', 'pc'], 'config order');
  const validated = await validateLavaJobs(written.map((job) => job.job));
  t.equal(validated.exitCode, 0, `lava-common accepts every job: ${validated.stderr}`);
  t.equal(validated.stdout.split('\n').filter((line) => line.endsWith(': valid')).length, 3);

  const jobs = written.map((entry) => parse(readFileSync(entry.job, 'utf8')) as Job);
  const flows = jobs.map((job) => job.actions.map((action) => { const [kind, body] = Object.entries(action)[0]!; return `${kind}:${String(body.method ?? body.to ?? 'test')}`; }));
  t.same(flows[0], ['deploy:overlay', 'boot:minimal', 'test:test', 'boot:kexec', 'test:test'], 'kexec: fetch the kernel on the running system, then kexec it');
  t.same(flows[1], ['deploy:tftp', 'boot:u-boot', 'test:test']);
  t.same(flows[2], ['deploy:tftp', 'boot:grub', 'test:test']);
  t.same(jobs.map((job) => job.device_type), ['x86-server', 'rk3588-board', 'x86-pc']);
  t.same(jobs[1]!.tags, ['usb-serial']);
  t.same(jobs[2]!.actions[1]!.boot!.auto_login, { login_prompt: 'login:', username: 'root', password_prompt: 'Password:', password: 'lab' }, 'LAVA logs in where the system asks');
  t.equal(jobs[0]!.actions[1]!.boot!.auto_login, undefined, 'and only there');
  for (const [index, job] of jobs.entries()) {
    t.equal(job.metadata['kptrlab.target'], written[index]!.target, 'the target is in the metadata');
    t.match(job.metadata['kptrlab.config-hash'], /^[0-9a-f]{64}$/);
    t.match(job.job_name, new RegExp(`config ${job.metadata['kptrlab.config-hash']!.slice(0, 12)}`), 'and the config hash in the job name');
  }
  const deploy = jobs[1]!.actions[0]!.deploy as { kernel: { url: string; type: string; sha256sum: string }; nfsrootfs: { compression: string }; dtb: { url: string } };
  t.match(deploy, { kernel: { type: 'image' }, nfsrootfs: { compression: 'xz' }, dtb: { url: 'https://lab.example/dtb/rk3588.dtb' } });
  t.match(deploy.kernel.url, /^https:\/\/lab\.example\/kptrlab\/files\/[0-9a-f]{64}\.kernel$/, 'the kernel by content under the artifacts URL');
  t.ok(existsSync(join(dir, 'out', 'publish', deploy.kernel.url.replace('https://lab.example/kptrlab/', ''))), 'and it is in the folder to publish');
  const kexec = jobs[0]!.actions[3]!.boot as { options: string[]; kernel: string };
  t.same(kexec.options, ['--reuse-cmdline', `--append=${quoteArg("mitigations=off it's")}`], 'LAVA puts options on a shell line: the append is quoted');

  // Every file the test definition fetches is in the publish folder under the URL's path.
  const steps = ((jobs[2]!.actions[2]!.test as { definitions: Array<{ repository: { run: { steps: string[] } } }> }).definitions[0]!.repository.run.steps);
  const urls = steps.flatMap((step) => [...step.matchAll(/https:\/\/lab\.example\/kptrlab\/(files\/\S+?)(?='|\s|$)/g)].map((match) => match[1]!));
  t.ok(urls.length >= 8, `${urls.length} files fetched`);
  t.same(urls.filter((path) => !existsSync(join(dir, 'out', 'publish', path))), [], 'each is published');
});

t.test('LAVA\'s validator fails a broken job: no timeouts, an unknown boot method', async (t) => {
  const dir = scratchDir('kptrlab-lava-broken-');
  const config = writeLavaConfig(dir, { server: MACHINES.server }, ['{kind: machine, machine: server, kernel: {variant: patched}, series: absent}'], '{enabled: false}');
  const [written] = await generateForTest(config, join(dir, 'out'), { artifactsUrl: 'https://lab.example/kptrlab' });
  const job = parse(readFileSync(written!.job, 'utf8')) as Record<string, unknown> & Job;
  t.equal((await validateLavaJobs([written!.job])).exitCode, 0, 'the generated job is valid');
  const noTimeouts = join(dir, 'no-timeouts.yaml');
  const { timeouts: _timeouts, ...rest } = job;
  writeFileSync(noTimeouts, stringify(rest));
  const badBoot = join(dir, 'bad-boot.yaml');
  writeFileSync(badBoot, stringify({ ...job, actions: job.actions.map((action) => ('boot' in action && action.boot.method === 'kexec' ? { boot: { ...action.boot, method: 'kexecc' } } : action)) }));
  const result = await validateLavaJobs([noTimeouts, badBoot]);
  t.equal(result.exitCode, 1, 'invalid jobs fail the check');
  t.match(result.stderr, /no-timeouts\.yaml: invalid LAVA job: .*timeouts/);
  t.match(result.stderr, /bad-boot\.yaml: invalid LAVA job: .*kexec/);
});

t.test('config mistakes name the file, the key and the fix', async (t) => {
  const dir = scratchDir('kptrlab-lava-config-');
  const noLava = loadRunConfig(writeLavaConfig(dir, { server: 'arch: x86_64' }, ['{kind: machine, machine: server, kernel: {variant: patched}, series: absent}']));
  t.throws(() => lavaTargets(noLava), { code: 'CONFIG_INVALID', message: /machines\.server\.lava is missing/, hint: /lava: \{deviceType:/ });
  const noKernel = loadRunConfig(writeLavaConfig(dir, { server: MACHINES.server }, ['{kind: machine, machine: server, series: absent}']));
  t.throws(() => lavaTargets(noKernel), { message: /has no kernel: \{variant/ });
  const noSeries = loadRunConfig(writeLavaConfig(dir, { server: MACHINES.server }, ['{kind: machine, machine: server, kernel: {variant: patched}}']));
  t.throws(() => lavaTargets(noSeries), { message: /has no series:/, hint: /Declare series:/ });
  const inventory = (entry: string) => () => parseInventoryFile(join(dir, 'lab.yaml'), `machines:\n  b: {host: h, identity: k, hostKey: "SHA256:FWOWbEemWMeZ1Ab+goN7J5vuH0agCNZk6wvQfXXCGsA", lava: ${entry}}\n`);
  t.throws(inventory('{deviceType: d, boot: u-boot}'), { message: /lab\.yaml.*nfsrootfs/, hint: /Add nfsrootfs:/ });
  t.throws(inventory('{deviceType: d, boot: uboot}'), { message: /boot/, hint: /Did you mean "u-boot"/ });
  t.throws(inventory('{deviceType: d, bootloader: grub}'), { message: /bootloader/ });
  t.throws(inventory('{boot: kexec}'), { message: /deviceType/ });
  t.throws(inventory('{deviceType: d, login: {prompt: "login:", password: x}}'), { message: /passwordPrompt and password together/ });
});

t.test('the test shell quotes every configured word: an odd one runs as itself', async (t) => {
  const odd = "/tmp/it's $(touch /tmp/kptrlab-pwned) `id`; node";
  const steps = testShellSteps({ workDir: "/var/tmp/a b'c", node: odd, execTimeoutSec: 60, files: [{ url: "https://x/it's", path: 'files/a', sha256: 'f'.repeat(64) }], agent: 'files/a', native: 'files/n', report: 'files/r', plan: 'files/p', steps: [{ name: 'probe', request: 'files/q' }] });
  const script = steps.join('\n');
  t.ok(script.includes(quoteArg(odd)), 'the node path is one quoted word');
  t.notOk(script.includes(`${odd} `), 'and never bare');
  t.ok(script.includes(quoteArg("https://x/it's")), 'the URL too');
  // The quoted word, read back by a real shell, is exactly the string.
  const { execa } = await import('execa');
  const echoed = await execa('sh', ['-c', `printf '%s' ${quoteArg(odd)}`]);
  t.equal(echoed.stdout, odd);
  t.notOk(existsSync('/tmp/kptrlab-pwned'), 'nothing ran');
});

t.test('kptrlab ci lava on the command line: usage and config problems exit 2 with the fix', async (t) => {
  const { runCli } = await import('../helpers/cli.js');
  const dir = scratchDir('kptrlab-lava-cli-');
  const noUrl = await runCli(['ci', 'lava', '--config', writeLavaConfig(dir, { server: MACHINES.server }, ['{kind: machine, machine: server, kernel: {variant: patched}, series: absent}'])]);
  t.equal(noUrl.exitCode, 2);
  t.match(noUrl.stderr, /--artifacts-url is missing/);
  const noLava = await runCli(['ci', 'lava', '--config', writeLavaConfig(dir, { server: 'arch: x86_64' }, ['{kind: machine, machine: server, kernel: {variant: patched}, series: absent}']), '--artifacts-url', 'https://lab.example/k', '--output', join(dir, 'out')]);
  t.equal(noLava.exitCode, 2);
  t.match(noLava.stderr, /lava-lab\.yaml: machines\.server\.lava is missing[\s\S]*lava: \{deviceType:/);
  const inventory = join(dir, 'lab.yaml');
  writeFileSync(inventory, `machines:\n  other: {host: h, identity: k, hostKey: "SHA256:FWOWbEemWMeZ1Ab+goN7J5vuH0agCNZk6wvQfXXCGsA"}\n`);
  const wrongInventory = await runCli(['ci', 'lava', '--config', join(dir, 'lava-lab.yaml'), '--machines', inventory, '--artifacts-url', 'https://lab.example/k']);
  t.equal(wrongInventory.exitCode, 2);
  t.match(wrongInventory.stderr, /lab\.yaml: no machine server/);
  const unknown = await runCli(['ci', 'jenkins']);
  t.equal(unknown.exitCode, 2);
  t.match(unknown.stderr, /unknown subcommand "jenkins"/);
});
