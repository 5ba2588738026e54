import t from 'tap';
import { buildQemuCommand, kernelCmdline, qemuValue, type QemuSpec } from '../../harness/qemu/argv.js';
import { accelArgs } from '../../harness/qemu/machine.js';
import { planAccel } from '../../harness/qemu/accel.js';
import { freePort } from '../../harness/qemu/free-port.js';
import { keepPaths, paramsEnv } from '../../harness/qemu/run-share.js';
import { pdeathsigWrap } from '../../harness/qemu/process.js';

const base: QemuSpec = {
  arch: 'x86_64', accel: 'tcg', cpus: 2, memoryMiB: 1024, kernel: '/k/bzImage', init: '/p/vm-images/x86_64/init.sh',
  consoleLog: '/tmp/run/console.log', sshPort: 40022, runDir: '/tmp/run', icount: false,
};

/** The value following `flag` each time it appears. */
function values(args: string[], flag: string): string[] {
  return args.flatMap((arg, i) => (arg === flag ? [args[i + 1] ?? ''] : []));
}

t.test('accelerator and CPU per architecture', async (t) => {
  const table: Array<[QemuSpec['arch'], QemuSpec['accel'], string[]]> = [
    ['x86_64', 'tcg', ['-accel', 'tcg', '-cpu', 'max']],
    ['x86_64', 'kvm', ['-accel', 'kvm', '-cpu', 'host']],
    ['arm64', 'tcg', ['-M', 'virt', '-accel', 'tcg', '-cpu', 'max']],
    ['arm64', 'kvm', ['-M', 'virt', '-accel', 'kvm', '-cpu', 'host']],
  ];
  for (const [arch, accel, expected] of table) t.same(accelArgs(arch, accel), expected, `${arch} ${accel}`);
  t.equal(buildQemuCommand(base).binary, 'qemu-system-x86_64');
  t.equal(buildQemuCommand({ ...base, arch: 'arm64' }).binary, 'qemu-system-aarch64');
  t.match(kernelCmdline({ ...base, arch: 'arm64' }), /console=ttyAMA0/);
});

t.test('resources, console file, no reboot, loopback-only SSH forward', async (t) => {
  const { args } = buildQemuCommand({ ...base, cpus: 4, memoryMiB: 2048 });
  t.same(values(args, '-smp'), ['4']);
  t.same(values(args, '-m'), ['2048M']);
  t.ok(args.includes('-nographic') && args.includes('-no-reboot'));
  t.same(values(args, '-chardev'), ['file,id=con0,path=/tmp/run/console.log']);
  t.same(values(args, '-serial'), ['chardev:con0']);
  const netdev = values(args, '-netdev')[0] ?? '';
  t.match(netdev, /hostfwd=tcp:127\.0\.0\.1:40022-:22$/);
  t.notMatch(netdev, /hostfwd=tcp::|0\.0\.0\.0/);
});

t.test('host root and run folder shared read-only over 9p with the long -fsdev form', async (t) => {
  const { args } = buildQemuCommand(base);
  t.notOk(args.includes('-virtfs'));
  t.same(values(args, '-fsdev'), [
    'local,id=root,path=/,security_model=none,readonly=on,multidevs=remap',
    'local,id=run,path=/tmp/run,security_model=none,readonly=on',
  ]);
  t.same(values(args, '-device').filter((d) => d.startsWith('virtio-9p')), [
    'virtio-9p-pci,fsdev=root,mount_tag=/dev/root',
    'virtio-9p-pci,fsdev=run,mount_tag=kptrlab-run',
  ]);
  t.equal(
    values(args, '-append')[0],
    'console=ttyS0 root=/dev/root rootfstype=9p rootflags=trans=virtio,version=9p2000.L,msize=512000 ro init=/p/vm-images/x86_64/init.sh panic=-1',
  );
  t.equal(qemuValue('/a,b'), '/a,,b');
});

t.test('icount only when asked and only under TCG; initrd only when given', async (t) => {
  const table: Array<[boolean, QemuSpec['accel'], boolean]> = [[false, 'tcg', false], [true, 'tcg', true], [true, 'kvm', false]];
  for (const [icount, accel, expected] of table) {
    const { args } = buildQemuCommand({ ...base, icount, accel });
    t.equal(values(args, '-icount')[0] === 'shift=0,sleep=off', expected, `icount=${icount} ${accel}`);
  }
  t.same(values(buildQemuCommand(base).args, '-initrd'), []);
  t.same(values(buildQemuCommand({ ...base, initrd: '/i.cpio' }).args, '-initrd'), ['/i.cpio']);
});

t.test('accelerator plan: KVM only with /dev/kvm and a probe; TCG otherwise', async (t) => {
  t.same(planAccel('auto', false, undefined).tries, ['tcg']);
  t.same(planAccel('auto', true, undefined).tries, ['kvm', 'tcg']);
  t.same(planAccel('auto', true, false).tries, ['tcg']);
  t.same(planAccel('tcg', true, true).tries, ['tcg']);
  t.same(planAccel('kvm', true, undefined).tries, ['kvm']);
  t.throws(() => planAccel('kvm', false, undefined), { code: 'KVM_UNAVAILABLE' });
});

t.test('free port is on loopback and bindable', async (t) => {
  const port = await freePort();
  t.ok(port > 1024 && port < 65536);
});

t.test('QEMU is wrapped in setpriv --pdeathsig KILL; run params quote and keep hidden paths', async (t) => {
  t.same(pdeathsigWrap({ binary: 'qemu-system-x86_64', args: ['-m', '1G'] }), { binary: 'setpriv', args: ['--pdeathsig', 'KILL', '--', 'qemu-system-x86_64', '-m', '1G'] });
  t.same(keepPaths(['/root/.cache/kptrlab', '/work/main', '/usr/bin', '/root/.cache/kptrlab']), ['/root/.cache/kptrlab']);
  t.equal(paramsEnv("KPTRLAB-READY a'b", ['/root/x']), "KPTRLAB_MARKER='KPTRLAB-READY a'\\''b'\nKPTRLAB_KEEP='/root/x'\n");
});
