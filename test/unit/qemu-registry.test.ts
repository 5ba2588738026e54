import t from 'tap';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { classifyRecord, reapStaleVms, registerVm, type ProcessView, type VmRecord } from '../../harness/qemu/registry.js';
import { concretePackage } from '../../harness/qemu/distro-kernel.js';
import { loadOrder, modinfoDepends, moduleName, parseModulesDep } from '../../harness/qemu/modules.js';
import { scratchDir } from '../helpers/scratch.js';

const record: VmRecord = { pid: 100, ownerPid: 50, name: 'vm', runDir: '/tmp/kptrlab-vm-abc', startedAt: 'x' };

function view(procs: Record<number, string>): ProcessView {
  return { cmdline: (pid) => procs[pid], alive: (pid) => pid in procs };
}

t.test('a recorded VM is gone, owned or stale', async (t) => {
  const qemu = 'qemu-system-x86_64 -fsdev local,id=run,path=/tmp/kptrlab-vm-abc';
  t.equal(classifyRecord(record, view({})), 'gone', 'QEMU exited');
  t.equal(classifyRecord(record, view({ 100: 'bash', 50: 'node' })), 'gone', 'pid reused by another program');
  t.equal(classifyRecord(record, view({ 100: 'qemu-system-x86_64 -fsdev path=/tmp/other', 50: 'node' })), 'gone', 'pid reused by another VM');
  t.equal(classifyRecord(record, view({ 100: qemu, 50: 'node' })), 'owned', 'owner alive');
  t.equal(classifyRecord(record, view({ 100: qemu })), 'stale', 'owner dead, QEMU alive');
});

t.test('reaping kills stale VMs and forgets gone ones, leaves owned ones', async (t) => {
  const dir = scratchDir('kptrlab-reg-');
  registerVm(record, dir);
  registerVm({ ...record, pid: 101, ownerPid: 60, runDir: '/tmp/kptrlab-vm-own' }, dir);
  registerVm({ ...record, pid: 102 }, dir);
  const killed: number[] = [];
  const stale = reapStaleVms({
    dir,
    kill: (pid) => killed.push(pid),
    view: view({ 100: 'qemu-system-x86_64 path=/tmp/kptrlab-vm-abc', 101: 'qemu-system-x86_64 path=/tmp/kptrlab-vm-own', 60: 'node' }),
  });
  t.same(stale.map((entry) => entry.record.pid), [100]);
  t.same(killed, [100]);
  t.same(readdirSync(dir), ['101.json'], 'the VM whose owner lives stays registered');
});

t.test('module dependency order from modinfo and modules.dep', async (t) => {
  t.same(modinfoDepends(Buffer.from('x\0license=GPL\0depends=virtio,virtio-ring\0vermagic=6.1\0')), ['virtio', 'virtio_ring']);
  t.same(modinfoDepends(Buffer.from('\0depends=\0')), []);
  t.equal(moduleName('kernel/fs/9p/9p.ko'), '9p');
  t.equal(moduleName('a/virtio-net.ko.xz'), 'virtio_net');
  const graph = parseModulesDep('kernel/9p.ko: kernel/9pnet.ko kernel/netfs.ko\nkernel/9pnet.ko:\nkernel/netfs.ko: kernel/fscache.ko\nkernel/fscache.ko:\nkernel/9pnet_virtio.ko: kernel/9pnet.ko kernel/virtio_ring.ko\nkernel/virtio_ring.ko:\n');
  t.same(loadOrder(['9pnet_virtio', '9p'], graph), ['kernel/9pnet.ko', 'kernel/virtio_ring.ko', 'kernel/9pnet_virtio.ko', 'kernel/fscache.ko', 'kernel/netfs.ko', 'kernel/9p.ko']);
  t.same(loadOrder(['9pnet_virtio'], graph, new Set(['virtio_ring'])), ['kernel/9pnet.ko', 'kernel/9pnet_virtio.ko'], 'built-in modules are skipped');
  t.throws(() => loadOrder(['nope'], graph), { code: 'MODULE_MISSING' });
});

t.test('the metapackage resolves to its concrete kernel package', async (t) => {
  t.equal(concretePackage('linux-image-amd64\n  Depends: linux-image-6.1.0-56-amd64\n'), 'linux-image-6.1.0-56-amd64');
  t.equal(concretePackage('linux-image-amd64\n'), undefined);
});
