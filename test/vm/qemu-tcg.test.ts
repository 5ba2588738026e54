// Real QEMU under TCG with Debian's packaged kernel and kptrlab's initramfs: boot, SSH, exec, sftp, splats, agent, cleanup.
import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vmlinuxHeader } from '../../harness/bpf/vmlinux-header.js';
import { debianBootableKernel, type BootableKernel } from '../../harness/qemu/distro-boot.js';
import type { VmEvent } from '../../harness/qemu/events.js';
import { Vm } from '../../harness/qemu/vm.js';
import { bpfSources, compileSet } from '../../harness/suites/compile-set.js';
import { probeFacts, probeRequest, type ProbeFacts } from '../../harness/suites/capability.js';
import { captureEnvironment } from '../../harness/suites/environment.js';
import { QemuTarget } from '../../harness/targets/qemu.js';
import { projectPath, setChildLogDir } from '../../harness/util/paths.js';
import type { KptrlabError } from '../../harness/util/errors.js';

const QEMU = '/usr/bin/qemu-system-x86_64';

/** Pids of running QEMUs whose command line mentions `needle` (zombies count as gone). */
function qemusWith(needle: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        return stat.split(') ')[1]?.[0] !== 'Z' && cmdline.startsWith('qemu-system') && cmdline.includes(needle);
      } catch {
        return false;
      }
    })
    .map(Number);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

if (!existsSync(QEMU)) {
  t.comment(`skipped: ${QEMU} is not installed (apt-get install qemu-system-x86)`);
} else {
  let kernel: BootableKernel;
  t.before(async () => {
    kernel = await debianBootableKernel('linux-image-amd64');
  });

  t.test('target: boot, SSH, exec, sftp, splats, agent probe, teardown', async (t) => {
    const events: VmEvent[] = [];
    const target = new QemuTarget({
      name: 'debian-tcg', arch: 'x86_64', kernel: { image: kernel.image }, initrd: kernel.initrd,
      cpus: 2, memoryMiB: 1024, accel: 'auto', icount: false, bootTimeoutMs: 120_000, execTimeoutMs: 120_000,
      onEvent: (event) => events.push(event),
    });
    t.teardown(() => target.teardown());
    const started = Date.now();
    await target.preflight();
    const vm = target.machine!;
    t.comment(`boot → SSH ready: ${vm.bootMs} ms (QEMU start to login); preflight incl. uname + BTF copy: ${Date.now() - started} ms`);
    t.equal(target.info.kernelRelease, kernel.release, 'uname -r in the guest');
    t.equal(target.info.accelerator, existsSync('/dev/kvm') ? target.info.accelerator : 'tcg');
    t.ok(events.some((event) => event.type === 'vm-accel'), 'the accelerator choice is announced');
    t.ok(vm.hostKey?.startsWith('SHA256:'), 'host key pinned at first contact');

    await t.rejects(vm.exec(['sleep', '30'], { timeoutMs: 1500 }), { code: 'SSH_COMMAND_TIMEOUT', message: /timed out .*: sleep 30/ });

    const local = join(mkdtempSync(join(tmpdir(), 'kptrlab-sftp-')), 'payload.bin');
    const payload = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7) % 251));
    writeFileSync(local, payload);
    const ssh = await vm.ssh();
    await ssh.upload(local, '/tmp/payload.bin');
    await ssh.download('/tmp/payload.bin', `${local}.back`);
    t.ok(readFileSync(`${local}.back`).equals(payload), 'sftp upload/download round trip');

    await vm.exec(['sh', '-c', 'echo "<4>WARNING: CPU: 0 PID: 1 at kptrlab-test" > /dev/kmsg'], { timeoutMs: 10_000 });
    await sleep(500);
    const splats = target.splats();
    t.ok(splats.some((splat) => splat.kind === 'warning' && splat.line.includes('kptrlab-test')), 'the WARNING written to /dev/kmsg is found');

    const header = await vmlinuxHeader(target.btfPath);
    const probes = await compileSet(bpfSources(projectPath('programs', 'probes')), header);
    t.comment(`probes compiled against the guest BTF: ${probes.objects.length} ok, ${probes.errors.length} failed`);
    let facts: ProbeFacts | undefined;
    let hello = '';
    const agentStart = Date.now();
    await target.runAgent(probeRequest(probes.objects.map((object) => object.path)), (event) => {
      if (event.type === 'hello') hello = event.kernel;
      if (event.type === 'probe') facts = probeFacts(event.facts);
    });
    t.comment(`agent probe run in the guest: ${Date.now() - agentStart} ms`);
    t.equal(hello, kernel.release, 'the agent ran in the guest kernel');
    t.equal(facts?.kfuncs.bpf_rbtree_root, false, 'Debian 6.1 lacks bpf_rbtree_root');

    // The guest reads its own machine: QEMU's CPUs and memory and the kernel command line it was booted with.
    const environment = await captureEnvironment(target, 'before');
    t.equal(environment.problem, undefined);
    t.match(environment.record, { cpu: { online: 2 }, cmdline: /console=/, memory: { totalKiB: Number }, loadavg: [Number, Number, Number] });
    t.ok(environment.record!.memory.totalKiB! < 1024 * 1024, `the guest's ${environment.record!.memory.totalKiB} KiB, not the host's`);

    const runDir = vm.runDir;
    const result = await vm.poweroff();
    t.ok(result.graceful, 'init stopped the guest and QEMU exited');
    await target.teardown();
    t.same(qemusWith(runDir), [], 'no QEMU left');
    t.notOk(existsSync(runDir), 'run folder removed');
  });

  t.test('a boot that does not reach the marker fails as "boot hung" with the console tail; the whole console is kept', async (t) => {
    const logs = mkdtempSync(join(tmpdir(), 'kptrlab-boot-logs-'));
    setChildLogDir(logs);
    t.teardown(() => setChildLogDir(undefined));
    const pids: number[] = [];
    const onEvent = (event: VmEvent) => (event.type === 'vm-boot-start' ? pids.push(event.pid) : undefined);
    const error = (await Vm.boot({ name: 'hung', arch: 'x86_64', kernel: kernel.image, initrd: kernel.initrd, init: projectPath('vm-images', 'x86_64', 'init.sh'), cpus: 1, memoryMiB: 512, accel: 'tcg', icount: false, bootTimeoutMs: 4000, keep: [], onEvent }).catch((caught: unknown) => caught)) as KptrlabError;
    t.match(error, { code: 'BOOT_HUNG', message: /boot hung.*\n.*\S/ });
    const kept = /whole console log and QEMU stderr: (\S+)\)/.exec(error.message)?.[1];
    t.ok(kept?.startsWith(logs), `the message names the kept log (${kept})`);
    t.match(readFileSync(kept!, 'utf8'), /== console ==\n[^]*\S/, 'which holds the console');
    // Only this boot's QEMU: other runs on the machine may have guests of their own.
    t.equal(pids.length, 1, 'one QEMU was started');
    t.same(qemusWith('kptrlab-vm-').filter((pid) => pids.includes(pid)), [], 'the hung QEMU was killed');
  });

  t.test('SIGKILL of the orchestrator leaves no QEMU (pdeathsig)', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'kptrlab-orch-'));
    const script = join(dir, 'orchestrator.mjs');
    writeFileSync(
      script,
      `import { Vm } from ${JSON.stringify(projectPath('dist', 'harness', 'qemu', 'vm.js'))};
Vm.boot({ name: 'orphan', arch: 'x86_64', kernel: ${JSON.stringify(kernel.image)}, initrd: ${JSON.stringify(kernel.initrd)}, init: '/sbin/init', cpus: 1, memoryMiB: 512, accel: 'tcg', icount: false, bootTimeoutMs: 600000, keep: [],
  onEvent: (e) => { if (e.type === 'vm-boot-start') console.log(JSON.stringify(e)); } });
`,
    );
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const started = await new Promise<{ pid: number; consoleLog: string }>((resolve, reject) => {
      child.stdout.once('data', (chunk: Buffer) => resolve(JSON.parse(chunk.toString()) as { pid: number; consoleLog: string }));
      child.once('exit', () => reject(new Error('orchestrator exited before starting QEMU')));
    });
    const runDir = started.consoleLog.replace(/\/console\.log$/, '');
    t.same(qemusWith(runDir), [started.pid], 'QEMU is running');
    child.kill('SIGKILL');
    for (let i = 0; i < 50 && qemusWith(runDir).length; i++) await sleep(100);
    t.same(qemusWith(runDir), [], 'QEMU died with its orchestrator');
  });
}
