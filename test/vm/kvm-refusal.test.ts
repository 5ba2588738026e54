// Real QEMU refusing KVM: its own message becomes the recorded reason, the answer is remembered per machine and served from the memo.
import t from 'tap';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeKvmFailure } from '../../harness/qemu/accel.js';
import { bootOnce, type BootFailure } from '../../harness/qemu/boot.js';
import { debianBootableKernel, type BootableKernel } from '../../harness/qemu/distro-boot.js';
import type { VmEvent } from '../../harness/qemu/events.js';
import type { TargetResult } from '../../harness/results/model.js';
import { generateClientKey } from '../../harness/ssh/keys.js';
import { projectPath } from '../../harness/util/paths.js';

const QEMU = '/usr/bin/qemu-system-x86_64';
const INIT = projectPath('vm-images', 'x86_64', 'init.sh');

interface HelperResult {
  setupFailed?: string;
  events: VmEvent[];
  /** The target as results.json records it. */
  info?: TargetResult['target'];
  error?: { code?: string; message: string };
}

// Runs in its own mount namespace: /dev becomes an overlay of the real /dev in which /dev/kvm is /dev/null, so QEMU
// finds the device but KVM cannot start. It then boots a QemuTarget with accel auto and prints its info (what results.json records).
const HELPER = `
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
const args = JSON.parse(process.argv[2]);
const say = (value) => process.stdout.write(JSON.stringify(value) + '\\n');
if (readlinkSync('/proc/self/ns/mnt') === args.parentNs) {
  say({ setupFailed: 'not in a private mount namespace: refusing to touch /dev', events: [] });
  process.exit(0);
}
try {
  for (const dir of ['up', 'work']) mkdirSync(join(args.overlay, dir), { recursive: true });
  execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', 'lowerdir=/dev,upperdir=' + join(args.overlay, 'up') + ',workdir=' + join(args.overlay, 'work'), '/dev'], { stdio: 'pipe' });
  if (!existsSync('/dev/kvm')) writeFileSync('/dev/kvm', '');
  execFileSync('mount', ['--bind', '/dev/null', '/dev/kvm'], { stdio: 'pipe' });
} catch (error) {
  say({ setupFailed: String(error.stderr ?? error.message).trim(), events: [] });
  process.exit(0);
}
const { QemuTarget } = await import(args.targetModule);
const events = [];
const target = new QemuTarget({ name: 'kvm-refusal', arch: 'x86_64', kernel: { image: args.kernel }, initrd: args.initrd, cpus: 1, memoryMiB: 768,
  accel: 'auto', icount: true, bootTimeoutMs: args.bootTimeoutMs, execTimeoutMs: 120000, onEvent: (event) => events.push(event) });
try {
  await target.preflight();
  say({ events, info: target.info });
} catch (error) {
  say({ events, info: target.info, error: { code: error.code, message: error.message } });
} finally {
  await target.teardown();
}
process.exit(0);
`;

/** Runs the helper under unshare --mount with its own cache; returns its report. */
async function bootInNamespace(dir: string, kernel: BootableKernel, env: Record<string, string>, bootTimeoutMs: number): Promise<HelperResult> {
  const args = {
    parentNs: readlinkSync('/proc/self/ns/mnt'), overlay: mkdtempSync(join(dir, 'dev-')), targetModule: projectPath('dist', 'harness', 'targets', 'qemu.js'),
    kernel: kernel.image, initrd: kernel.initrd, init: INIT, bootTimeoutMs,
  };
  const child = spawn('unshare', ['--mount', '--propagation', 'private', '--', process.execPath, join(dir, 'helper.mjs'), JSON.stringify(args)], {
    stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env },
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const last = out.trim().split('\n').pop() ?? '';
  if (code !== 0 || !last.startsWith('{')) throw new Error(`namespace helper exited ${code}: ${out}`);
  return JSON.parse(last) as HelperResult;
}

const starts = (result: HelperResult) => result.events.filter((event) => event.type === 'vm-boot-start').length;
const accelEvents = (result: HelperResult) => result.events.filter((event): event is Extract<VmEvent, { type: 'vm-accel' }> => event.type === 'vm-accel');

if (!existsSync(QEMU)) {
  t.comment(`skipped: ${QEMU} is not installed (apt-get install qemu-system-x86)`);
} else {
  let kernel: BootableKernel;
  t.before(async () => {
    kernel = await debianBootableKernel('linux-image-amd64');
  });

  t.test('no /dev/kvm: QEMU\'s own refusal becomes the reason text', { skip: existsSync('/dev/kvm') ? '/dev/kvm exists here' : false }, async (t) => {
    let failure: BootFailure | undefined;
    const started = Date.now();
    await t.rejects(
      bootOnce({
        name: 'kvm-absent', key: generateClientKey('kptrlab-kvm-absent'), keep: [], timeoutMs: 30_000, onFailure: (found) => (failure = found),
        spec: { arch: 'x86_64', accel: 'kvm', cpus: 1, memoryMiB: 256, kernel: kernel.image, initrd: kernel.initrd, init: INIT, icount: false },
      }),
      { code: 'VM_EXITED' },
    );
    t.ok(Date.now() - started < 10_000, 'QEMU gave up at once');
    t.equal(failure?.exit?.code, 1, 'QEMU exited by itself with 1');
    const reason = describeKvmFailure({ binary: 'qemu-system-x86_64', code: 'VM_EXITED', message: '', exit: failure?.exit, stderr: failure?.stderr ?? [], consoleTail: failure?.consoleTail ?? [], elapsedMs: failure?.elapsedMs ?? 0, timeoutMs: 60_000 });
    t.comment(`reason: ${reason}`);
    t.match(reason, /^qemu-system-x86_64 exited with code 1 after \d+\.\d s: .*qemu-system-x86_64: -accel kvm: failed to initialize kvm: No such file or directory/);
  });

  t.test('/dev/kvm present but unusable: probe, TCG fallback, reason recorded and remembered, next run served from the memo', async (t) => {
    if (process.getuid?.() !== 0) {
      t.comment('skipped: mounting in a private namespace needs root');
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'kptrlab-kvm-refusal-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'helper.mjs'), HELPER);
    // A private cache: the memo written here describes a fake /dev/kvm and must never reach the real one.
    const cache = join(dir, 'cache');
    const env = { KPTRLAB_CACHE: cache, KPTRLAB_REPROBE_KVM: '0' };

    const first = await bootInNamespace(dir, kernel, env, 180_000);
    if (first.setupFailed) {
      t.comment(`skipped: could not fake /dev/kvm in a mount namespace: ${first.setupFailed}`);
      return;
    }
    t.notOk(first.error, `booted (${first.error?.message ?? 'ok'})`);
    t.equal(starts(first), 2, 'first run: a KVM probe QEMU, then the TCG QEMU');
    t.match(first.info, { accelerator: 'tcg', timeUnit: 'icount-ns' }, 'TCG with instruction counting, labelled as before');
    const reason = first.info?.acceleratorReason;
    t.comment(`recorded reason: ${reason}`);
    t.match(reason, /^KVM refused \(remembered in .*\/accel\/[0-9a-f]{16}\.json; KPTRLAB_REPROBE_KVM=1 or deleting that file probes again\): qemu-system-x86_64 exited with code 1 after \d+\.\d s: .*failed to initialize kvm: Inappropriate ioctl for device/);
    t.same(accelEvents(first).map((event) => [event.accel, event.reason]), [['tcg', reason]], 'one vm-accel event with the same reason');
    const memos = readdirSync(join(cache, 'accel'));
    t.equal(memos.length, 1, 'one memo file');
    const memoPath = join(cache, 'accel', memos[0]!);
    const memo = JSON.parse(readFileSync(memoPath, 'utf8')) as { kvm: string; reason: string; key: { binary: string; qemuVersion: string; hostKernel: string }; probedAt: string };
    t.match(memo, { kvm: 'refused', key: { binary: 'qemu-system-x86_64', qemuVersion: /^QEMU emulator version / }, reason: /failed to initialize kvm: Inappropriate ioctl for device/ });

    const second = await bootInNamespace(dir, kernel, env, 180_000);
    t.notOk(second.error, `booted (${second.error?.message ?? 'ok'})`);
    t.equal(starts(second), 1, 'second run: no KVM probe, TCG only');
    t.match(second.info, { accelerator: 'tcg', timeUnit: 'icount-ns' });
    t.comment(`remembered reason: ${second.info?.acceleratorReason}`);
    t.match(second.info?.acceleratorReason, new RegExp(`^KVM refused on this machine \\(probe of \\d{4}-\\d\\d-\\d\\d, remembered in ${memoPath.replace(/[.]/g, '\\.')}; KPTRLAB_REPROBE_KVM=1 or deleting that file probes again\\): .*failed to initialize kvm: Inappropriate ioctl for device`));

    // Re-probing on request: the KVM QEMU starts again. A 3 s boot timeout makes the TCG boot fail too, so the
    // refusal is reported but not remembered (the guest could be at fault) and the memo keeps its answer.
    const third = await bootInNamespace(dir, kernel, { ...env, KPTRLAB_REPROBE_KVM: '1' }, 3000);
    t.equal(third.error?.code, 'BOOT_HUNG', 'the TCG boot timed out');
    t.equal(starts(third), 2, 'KPTRLAB_REPROBE_KVM=1: the KVM probe ran again');
    t.equal(third.info?.acceleratorReason, accelEvents(third).at(-1)?.reason, 'a failed boot still records why');
    t.match(third.info?.acceleratorReason, /^KVM refused \(not remembered: TCG failed to boot this guest too.*\): .*Inappropriate ioctl for device/);
    t.equal((JSON.parse(readFileSync(memoPath, 'utf8')) as { probedAt: string }).probedAt, memo.probedAt, 'memo unchanged');
    t.notOk(existsSync('/dev/kvm') && execFileSync('stat', ['-c', '%t:%T', '/dev/kvm']).toString().trim() === '1:3', 'the fake /dev/kvm never leaked out of the namespace');
  });
}
