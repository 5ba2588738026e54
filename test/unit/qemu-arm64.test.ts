import t from 'tap';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildQemuCommand, hostShares, type QemuSpec } from '../../harness/qemu/argv.js';
import { paramsEnv } from '../../harness/qemu/run-share.js';
import { ARM64_ROOTFS_RECIPE, checkBinfmt, mmdebstrapArgs, recipeKey } from '../../harness/qemu/arm64-rootfs.js';
import { removeUnlessMounted } from '../../harness/util/cached.js';
import { gxxArgs } from '../../harness/qemu/arm64-native.js';
import { arm64AptOptions } from '../../harness/qemu/arm64-distro-kernel.js';
import { syncInit } from '../../harness/qemu/arm64-guest.js';
import { nativePath, NATIVE_PATH } from '../../harness/native/loader.js';
import { QemuTarget, type QemuTargetOptions } from '../../harness/targets/qemu.js';
import { AGENT_BUNDLE } from '../../harness/targets/agent-bundle.js';
import { projectPath } from '../../harness/util/paths.js';

const base: QemuSpec = {
  arch: 'arm64', accel: 'tcg', cpus: 2, memoryMiB: 1024, kernel: '/k/Image', init: '/kptrlab/init.sh',
  consoleLog: '/tmp/run/console.log', sshPort: 40022, runDir: '/tmp/run', icount: false,
};

function values(args: string[], flag: string): string[] {
  return args.flatMap((arg, i) => (arg === flag ? [args[i + 1] ?? ''] : []));
}

t.test('arm64 guest: its own rootfs as the 9p root, project and cache as extra read-only shares', async (t) => {
  const shares = hostShares(['/work/p', '/root/.cache/kptrlab', '/work/p']);
  t.same(shares.map((share) => share.tag), ['kptrlab-share0', 'kptrlab-share1'], 'one tag per distinct folder');
  const { binary, args } = buildQemuCommand({ ...base, rootDir: '/c/images/arm64-x/rootfs', shares });
  t.equal(binary, 'qemu-system-aarch64');
  const fsdevs = values(args, '-fsdev');
  t.match(fsdevs[0], /^local,id=root,path=\/c\/images\/arm64-x\/rootfs,.*readonly=on/);
  t.match(fsdevs[2], /^local,id=share0,path=\/work\/p,security_model=none,readonly=on/);
  t.match(fsdevs[3], /^local,id=share1,path=\/root\/\.cache\/kptrlab,/);
  t.same(values(args, '-device').filter((d) => d.startsWith('virtio-9p-pci')).map((d) => d.split('mount_tag=')[1]), ['/dev/root', 'kptrlab-run', 'kptrlab-share0', 'kptrlab-share1']);
  t.match(values(args, '-append')[0], /console=ttyAMA0 .*init=\/kptrlab\/init\.sh/);
  t.notOk(buildQemuCommand({ ...base, arch: 'x86_64' }).args.some((a) => a.includes('share0')), 'x86_64 without shares is unchanged');
});

t.test('params.env names the shares only when there are some', async (t) => {
  t.equal(paramsEnv('M', []), "KPTRLAB_MARKER='M'\nKPTRLAB_KEEP=''\n");
  t.equal(paramsEnv('M', [], hostShares(['/a b', '/c'])), "KPTRLAB_MARKER='M'\nKPTRLAB_KEEP=''\nKPTRLAB_SHARES='kptrlab-share0=/a b:kptrlab-share1=/c'\n");
});

t.test('rootfs recipe: mmdebstrap argv from the mirror it is given, key stable and order-insensitive', async (t) => {
  const args = mmdebstrapArgs(ARM64_ROOTFS_RECIPE, { uri: 'http://mirror.invalid/debian', signedBy: '/k.gpg' }, '/out/rootfs');
  t.ok(args.includes('--architectures=arm64') && args.includes('--mode=root') && args.includes('--variant=essential'));
  t.match(args.find((a) => a.startsWith('--include=')), /nodejs.*libbpf1.*dropbear-bin.*openssh-sftp-server.*busybox-static.*libnode-dev/);
  t.same(args.slice(-3), ['bookworm', '/out/rootfs', 'deb [signed-by=/k.gpg] http://mirror.invalid/debian bookworm main']);
  t.equal(recipeKey(ARM64_ROOTFS_RECIPE), recipeKey({ ...ARM64_ROOTFS_RECIPE, runtime: [...ARM64_ROOTFS_RECIPE.runtime].reverse() }));
  t.not(recipeKey(ARM64_ROOTFS_RECIPE), recipeKey({ ...ARM64_ROOTFS_RECIPE, runtime: [...ARM64_ROOTFS_RECIPE.runtime, 'strace'] }));
});

t.test('binfmt check and the mount-safe removal', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kptrlab-arm64-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'off'), 'disabled\n');
  t.throws(() => checkBinfmt(join(dir, 'missing')), { code: 'BINFMT_MISSING' });
  t.throws(() => checkBinfmt(join(dir, 'off')), { code: 'BINFMT_MISSING' });
  writeFileSync(join(dir, 'on'), 'enabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\n');
  t.doesNotThrow(() => checkBinfmt(join(dir, 'on')));
  mkdirSync(join(dir, 'work', 'proc'), { recursive: true });
  t.equal(removeUnlessMounted(join(dir, 'work'), [join(dir, 'work', 'proc')]), false, 'kept while something is mounted inside');
  t.equal(removeUnlessMounted(join(dir, 'work'), ['/proc']), true);
});

t.test('arm64 binding: g++ line mirrors binding.gyp', async (t) => {
  const args = gxxArgs('/tmp/w', ['addon.cc', 'handle.cc'], '1.8.0');
  for (const flag of ['-std=c++17', '-shared', '-fPIC', '-DNAPI_VERSION=8', '-DNAPI_CPP_EXCEPTIONS', '-DKPTRLAB_LIBBPF_VERSION=1.8.0', '-I/usr/include/node', '-I/tmp/w/node-addon-api', '/tmp/w/libbpf/lib/libbpf.a', '-lelf', '-lz']) {
    t.ok(args.includes(flag), flag);
  }
  t.notOk(args.includes('-lbpf'), "the image's own libbpf (1.1.2) is never linked");
  t.ok(args.indexOf('-I/tmp/w/libbpf/include') < args.indexOf('-I/usr/include/node'), 'the static libbpf headers come first');
  t.same(values(args, '-o'), ['/tmp/w/kptrlab_bpf.node']);
  t.ok(args.includes('/tmp/w/src/handle.cc'));
});

t.test('arm64 apt state is private and arm64-only', async (t) => {
  const opts = arm64AptOptions('/c/apt/arm64-bookworm');
  t.ok(opts.includes('APT::Architecture=arm64') && opts.includes('Dir::Etc::SourceParts=/dev/null'));
  t.ok(opts.includes('Dir::State::Lists=/c/apt/arm64-bookworm/lists'));
});

t.test('init script is copied into the image only when it changed', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kptrlab-arm64-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'kptrlab'));
  syncInit(dir);
  t.equal(readFileSync(join(dir, 'kptrlab', 'init.sh'), 'utf8'), readFileSync(projectPath('vm-images', 'arm64', 'init.sh'), 'utf8'));
  t.equal(statSync(join(dir, 'kptrlab', 'init.sh')).mode & 0o111, 0o111, 'executable: the guest runs it as init=');
  syncInit(dir);
});

t.test('binding lookup: KPTRLAB_NATIVE, then build-<arch>, else node-gyp build', async (t) => {
  t.equal(nativePath({ KPTRLAB_NATIVE: '/c/native/arm64-x/kptrlab_bpf.node' }, 'arm64'), '/c/native/arm64-x/kptrlab_bpf.node');
  t.equal(nativePath({}, 'x64'), NATIVE_PATH, 'x64 keeps build/Release');
  t.equal(nativePath({}, 'riscv-none'), NATIVE_PATH);
});

t.test('agent command: guest node and binding for a guest root, host node otherwise', async (t) => {
  const options: QemuTargetOptions = {
    name: 'a', arch: 'arm64', kernel: { image: '/k' }, cpus: 1, memoryMiB: 512, accel: 'tcg', icount: false, bootTimeoutMs: 1, execTimeoutMs: 1,
  };
  const guestRoot = { rootDir: '/r', node: '/usr/bin/node', init: '/kptrlab/init.sh', agentEnv: { KPTRLAB_NATIVE: '/c/n.node' }, rootfs: { dir: '/d', root: '/r', key: 'k' } };
  const arm = new QemuTarget({ ...options, guestRoot }).agentCommand();
  t.same(arm.slice(2), ['KPTRLAB_NATIVE=/c/n.node', '/usr/bin/node', AGENT_BUNDLE, '-']);
  const x86 = new QemuTarget({ ...options, arch: 'x86_64' }).agentCommand();
  t.same(x86.slice(2), [process.execPath, AGENT_BUNDLE, '-']);
});
