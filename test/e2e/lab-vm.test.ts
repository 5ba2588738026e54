// The simulated lab machine: cached Debian disk, TCG boot to SSH with the pinned host key, distro kernel with BTF and the
// tools kexec work needs, a wrong pin refused, power hardReset over QMP really reboots it, stop() leaves nothing (slow: KPTRLAB_E2E=1).
import t from 'tap';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { labImage } from '../../harness/qemu/lab-image.js';
import { PinnedHostKeys } from '../../harness/ssh/known-hosts.js';
import { connectSsh, type SshSession } from '../../harness/ssh/session.js';
import { startConsole } from '../../harness/targets/machine-power.js';
import { runChild } from '../../harness/util/child.js';
import { startLabVm, type LabVm } from '../helpers/lab-vm.js';

const TOOLS = ['/usr/bin/qemu-system-x86_64', '/usr/bin/qemu-img', '/usr/bin/mmdebstrap', '/usr/sbin/mkfs.ext4', '/usr/bin/unshare', '/usr/bin/ssh-keygen'];

/** Why this host cannot run the test, or undefined. */
function skipReason(): string | undefined {
  if (process.env.KPTRLAB_E2E !== '1') return 'the lab VM builds a Debian image and boots it under TCG (minutes); set KPTRLAB_E2E=1';
  if (process.getuid?.() !== 0) return 'mmdebstrap --mode=root needs root: run the test as root';
  const missing = TOOLS.filter((tool) => !existsSync(tool));
  if (missing.length > 0) return `${missing.join(', ')} missing (bash scripts/install-deps: qemu-system-x86 qemu-utils mmdebstrap e2fsprogs util-linux openssh-client)`;
  return undefined;
}

/** Pids of live processes whose command line mentions `needle` (the VM's folder is on QEMU's). */
function processesWith(needle: string): number[] {
  return readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z' && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(needle);
    } catch {
      return false;
    }
  }).map(Number);
}

async function run(session: SshSession, argv: string[]): Promise<{ code: number | null; out: string }> {
  const result = await session.exec(argv, { timeoutMs: 120_000 });
  return { code: result.exitCode, out: `${result.stdout}${result.stderr}`.trim() };
}

/** A session on the next boot: retries until the guest's boot_id differs from `previous` (the old sshd may still answer briefly). */
async function nextBoot(vm: LabVm, previous: string, timeoutMs: number): Promise<{ session: SshSession; bootId: string }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const session = await vm.connect(Math.max(1_000, deadline - Date.now()));
    const bootId = (await run(session, ['cat', '/proc/sys/kernel/random/boot_id'])).out;
    if (bootId !== previous) return { session, bootId };
    session.close();
    if (Date.now() > deadline) throw new Error(`the lab VM did not reboot within ${timeoutMs} ms (boot_id still ${previous})`);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
}

function bootsOnConsole(path: string): number {
  return (readFileSync(path, 'latin1').match(/Linux version \d/g) ?? []).length;
}

const skip = skipReason();
if (skip) {
  t.comment(`skipped: ${skip}`);
} else {
  // A cold image build downloads and installs ~250 packages (about ten minutes); each TCG boot about a minute.
  t.setTimeout(60 * 60_000);
  t.test('lab VM: image, boot, SSH pin, hard reset, reboot, stop', async (t) => {
    const building = Date.now();
    const image = await labImage();
    const disk = statSync(image.image);
    t.comment(`lab image ${image.hit ? 'cache hit' : 'built'} in ${Date.now() - building} ms: ${image.image} (${(disk.size / 2 ** 20).toFixed(0)} MiB apparent, ${(disk.blocks * 512 / 2 ** 20).toFixed(0)} MiB on disk), kernel ${image.release}`);
    t.equal((statSync(image.identity).mode & 0o777).toString(8), '600', 'the client key in the cache entry is mode 600');

    const vm = await startLabVm();
    t.teardown(() => vm.stop());
    t.comment(`QEMU start → SSH under ${vm.accel} (${vm.accelReason}): ${vm.bootMs} ms`);

    const first = await vm.connect(60_000);
    t.equal((await run(first, ['uname', '-r'])).out, image.release, 'the default kernel is the image\'s distro kernel');
    const node = await run(first, ['node', '--version']);
    t.equal(node.code, 0, `node runs in the guest (${node.out})`);
    t.equal((await run(first, ['sh', '-c', 'command -v kexec && command -v flock && command -v timeout'])).code, 0, 'kexec, flock and timeout are installed');
    t.equal((await run(first, ['test', '-e', '/sys/kernel/btf/vmlinux'])).code, 0, '/sys/kernel/btf/vmlinux exists');
    t.equal((await run(first, ['cat', '/sys/kernel/kexec_loaded'])).out, '0', 'kexec-tools loaded no kernel on its own');
    const firstBoot = (await run(first, ['cat', '/proc/sys/kernel/random/boot_id'])).out;
    first.close();

    await t.rejects(connectSsh({
      host: '127.0.0.1', port: vm.port, username: 'root', privateKey: readFileSync(vm.identity, 'utf8'),
      pin: new PinnedHostKeys([`SHA256:${'A'.repeat(43)}`]), timeoutMs: 60_000,
    }), { code: 'SSH_HOST_KEY' }, 'a connection pinning another host key is refused');

    const console = startConsole(vm.consoleArgv);
    t.teardown(() => console.stop());
    const resetAt = Date.now();
    const [binary, ...args] = vm.hardResetArgv;
    await runChild(binary!, args, { stage: 'lab VM hardReset', timeoutMs: 30_000 });
    const reset = await nextBoot(vm, firstBoot, 10 * 60_000);
    const resetMs = Date.now() - resetAt;
    t.comment(`hardReset (QMP system_reset) → SSH again: ${resetMs} ms`);
    const uptime = Number((await run(reset.session, ['cat', '/proc/uptime'])).out.split(' ')[0]);
    t.ok(uptime > 0 && uptime < resetMs / 1000 + 5, `the machine really rebooted (uptime ${uptime} s, reset ${resetMs} ms ago)`);
    t.equal((await run(reset.session, ['uname', '-r'])).out, image.release, 'the reset booted the default kernel again');
    // A whole distro boot can pass the 64 KiB kept: kernel lines and then systemd's or the getty's are enough.
    t.match(console.tail(100_000), /\[ *\d+\.\d+\] [\s\S]*(login:|\[  OK  \])/, 'the console argv streamed the boot after the reset (kernel messages, then systemd or the getty)');
    console.stop();
    t.ok(bootsOnConsole(vm.consoleLog) >= 2, 'the console log shows a second boot');

    // A guest reboot goes through the same reset (QEMU runs without -no-reboot), like a real machine's firmware.
    await run(reset.session, ['systemd-run', '--no-block', '--on-active=1', 'systemctl', 'reboot']);
    reset.session.close();
    const rebootAt = Date.now();
    const rebooted = await nextBoot(vm, reset.bootId, 10 * 60_000);
    t.comment(`guest reboot → SSH again: ${Date.now() - rebootAt} ms`);
    t.equal((await run(rebooted.session, ['uname', '-r'])).out, image.release, 'a guest reboot boots the default kernel again');
    rebooted.session.close();
    t.ok(bootsOnConsole(vm.consoleLog) >= 3, 'the console log shows a third boot');
    t.ok(processesWith(vm.dir).includes(vm.qemuPid), 'the same QEMU process served every boot');

    await vm.stop();
    t.same(processesWith(vm.dir), [], 'no QEMU of the test remains');
    t.notOk(existsSync(vm.dir), 'the VM folder is gone');
  });
}
