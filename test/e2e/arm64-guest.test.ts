// arm64 guest under TCG on its own Debian rootfs: boot, SSH, uname -m, agent probe with the arm64 binding, teardown (slow: KPTRLAB_E2E=1).
import t from 'tap';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { vmlinuxHeader } from '../../harness/bpf/vmlinux-header.js';
import { arm64DebianKernel } from '../../harness/qemu/arm64-distro-kernel.js';
import { prepareArm64Guest } from '../../harness/qemu/arm64-guest.js';
import { bpfSources, compileSet } from '../../harness/suites/compile-set.js';
import { probeFacts, probeRequest, type ProbeFacts } from '../../harness/suites/capability.js';
import { QemuTarget } from '../../harness/targets/qemu.js';
import { cacheRoot, projectPath } from '../../harness/util/paths.js';

const QEMU = '/usr/bin/qemu-system-aarch64';

/** A kernel from `kptrlab kernel build` for arm64 when one is complete, else undefined. */
function builtArm64Kernel(): { image: string; btfPath: string } | undefined {
  const root = join(cacheRoot(), 'kernels');
  const dirs = existsSync(root) ? readdirSync(root).filter((name) => name.startsWith('arm64-')) : [];
  for (const name of dirs.sort()) {
    const dir = join(root, name);
    if (existsSync(join(dir, 'complete.json')) && existsSync(join(dir, 'image'))) return { image: join(dir, 'image'), btfPath: join(dir, 'vmlinux') };
  }
  return undefined;
}

/** Pids of running QEMUs whose command line mentions `needle`. */
function qemusWith(needle: string): number[] {
  return readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).filter((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.split(') ')[1]?.[0] !== 'Z' && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(needle);
    } catch {
      return false;
    }
  }).map(Number);
}

if (process.env.KPTRLAB_E2E !== '1') {
  t.comment('skipped: the arm64 TCG boot takes minutes; set KPTRLAB_E2E=1');
} else if (!existsSync(QEMU)) {
  t.comment(`skipped: ${QEMU} is not installed (apt-get install qemu-system-arm)`);
} else {
  // A first run builds the rootfs (≈4 min) and the binding under qemu-user; a TCG boot alone takes minutes.
  t.setTimeout(60 * 60_000);
  t.test('arm64: boot, SSH, uname -m, agent probe, teardown', async (t) => {
    const prepared = Date.now();
    const guestRoot = await prepareArm64Guest();
    const built = process.env.KPTRLAB_ARM64_DISTRO === '1' ? undefined : builtArm64Kernel();
    const distro = built ? undefined : await arm64DebianKernel(guestRoot.rootfs);
    t.comment(`rootfs + binding + kernel ready: ${Date.now() - prepared} ms (${built ? `built kernel ${built.image}` : `Debian ${distro!.release}`})`);
    const target = new QemuTarget({
      name: 'arm64-tcg', arch: 'arm64', kernel: built ?? { image: distro!.image }, initrd: distro?.initrd, guestRoot,
      cpus: 2, memoryMiB: 1536, accel: 'tcg', icount: false, bootTimeoutMs: 600_000, execTimeoutMs: 600_000,
    });
    t.teardown(() => target.teardown());
    const started = Date.now();
    await target.preflight();
    const vm = target.machine!;
    t.comment(`QEMU start → SSH ready: ${vm.bootMs} ms; preflight incl. uname + BTF copy: ${Date.now() - started} ms`);
    t.equal((await vm.exec(['uname', '-m'], { timeoutMs: 60_000 })).stdout.trim(), 'aarch64');

    const header = await vmlinuxHeader(target.btfPath);
    const probes = await compileSet(bpfSources(projectPath('programs', 'probes')), header, 'arm64');
    t.comment(`probes compiled against the guest BTF: ${probes.objects.length} ok, ${probes.errors.length} failed`);
    let facts: ProbeFacts | undefined;
    let arch = '';
    const agentStart = Date.now();
    await target.runAgent(probeRequest(probes.objects.map((object) => object.path)), (event) => {
      if (event.type === 'hello') arch = event.arch;
      if (event.type === 'probe') facts = probeFacts(event.facts);
    });
    t.comment(`agent probe in the guest (node start over 9p → done): ${Date.now() - agentStart} ms; QEMU start → agent ready: ${Date.now() - started} ms`);
    t.equal(arch, 'arm64', 'the agent ran on arm64 with the arm64 binding');
    t.ok(facts, 'probe facts received');

    const runDir = vm.runDir;
    const stop = Date.now();
    t.ok((await vm.poweroff()).graceful, 'init stopped the guest and QEMU exited');
    t.comment(`graceful poweroff: ${Date.now() - stop} ms`);
    await target.teardown();
    t.same(qemusWith(runDir), [], 'no QEMU left');
    t.notOk(existsSync(runDir), 'run folder removed');
  });
}
