// Accelerator choice and its reason, and the per-machine KVM memo (key, atomic write, corrupt files, re-probe).
import t from 'tap';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describeKvmFailure, kvmRefusedReason, kvmWorkedReason, planAccel, REPROBE_ENV, type ProbeFailure } from '../../harness/qemu/accel.js';
import { accelMemoKey, accelMemoPath, openKvmMemo, qemuVersionLine, readAccelMemo, reprobeRequested, writeAccelMemo } from '../../harness/qemu/accel-memo.js';

const QEMU_MSG = 'qemu-system-x86_64: -accel kvm: failed to initialize kvm: Inappropriate ioctl for device';
const failure = (over: Partial<ProbeFailure>): ProbeFailure => ({
  binary: 'qemu-system-x86_64', code: 'VM_EXITED', message: 'boot failed', stderr: [], consoleTail: [], elapsedMs: 300, timeoutMs: 60_000, ...over,
});
const tempRoots: string[] = [];
const tempRoot = () => {
  const dir = mkdtempSync(join(tmpdir(), 'kptrlab-accel-test-'));
  tempRoots.push(dir);
  return dir;
};
t.teardown(() => {
  for (const dir of tempRoots) rmSync(dir, { recursive: true, force: true });
});

t.test('plan: every choice says why', async (t) => {
  t.match(planAccel('tcg', true, true), { tries: ['tcg'], reason: /TCG requested.*accel: tcg/ });
  t.match(planAccel('kvm', true, undefined), { tries: ['kvm'], reason: /KVM requested/ });
  t.same(planAccel('auto', false, undefined), { tries: ['tcg'], reason: '/dev/kvm does not exist' });
  t.same(planAccel('auto', false, false, { reason: 'x', probedAt: '2025-01-01T00:00:00Z', path: '/c/accel/a.json' }).reason, '/dev/kvm does not exist', 'no device: the memo does not matter');
  t.same(planAccel('auto', true, undefined), { tries: ['kvm', 'tcg'], reason: 'probing KVM with a real boot' });
  t.throws(() => planAccel('kvm', false, undefined), { code: 'KVM_UNAVAILABLE', hint: /accel: auto or tcg/ });
});

t.test('plan: a remembered refusal skips the probe and repeats QEMU\'s words, where they are kept and how to probe again', async (t) => {
  const plan = planAccel('auto', true, false, { reason: `qemu-system-x86_64 exited with code 1 after 0.2 s: ${QEMU_MSG}`, probedAt: '2025-03-04T05:06:07.000Z', path: '/c/accel/0123456789abcdef.json' });
  t.same(plan.tries, ['tcg']);
  t.match(plan.reason, /^KVM refused on this machine \(probe of 2025-03-04, remembered in \/c\/accel\/0123456789abcdef\.json; KPTRLAB_REPROBE_KVM=1 or deleting that file probes again\): /);
  t.ok(plan.reason.endsWith(QEMU_MSG));
  const worked = planAccel('auto', true, true, { reason: 'probe boot reached the ready marker in 3.0 s', probedAt: '2025-03-04T05:06:07.000Z', path: '/c/accel/x.json' });
  t.same(worked.tries, ['kvm', 'tcg'], 'a remembered success still falls back to TCG');
  t.match(worked.reason, /KVM worked on this machine \(probe of 2025-03-04, remembered in \/c\/accel\/x\.json/);
  t.match(planAccel('auto', true, false, { reason: 'r', probedAt: 'p' }).reason, /remembered by this process only/);
});

t.test('failure text: QEMU exit with its stderr, a hang with the console tail, anything else with its code', async (t) => {
  t.equal(
    describeKvmFailure(failure({ exit: { code: 1, signal: null }, stderr: ['kvm version too old', QEMU_MSG] })),
    `qemu-system-x86_64 exited with code 1 after 0.3 s: kvm version too old | ${QEMU_MSG}`,
  );
  t.equal(
    describeKvmFailure(failure({ exit: { code: null, signal: 'SIGABRT' }, stderr: ['qemu-system-x86_64: error: failed to set MSR 0x10a to 0x0', 'qemu-system-x86_64: ../target/i386/kvm/kvm.c:3017: kvm_buf_set_msrs: Assertion `ret == cpu->kvm_msr_buf->nmsrs\' failed.'] })),
    'qemu-system-x86_64 was killed by SIGABRT after 0.3 s: qemu-system-x86_64: error: failed to set MSR 0x10a to 0x0 | qemu-system-x86_64: ../target/i386/kvm/kvm.c:3017: kvm_buf_set_msrs: Assertion `ret == cpu->kvm_msr_buf->nmsrs\' failed.',
  );
  t.equal(describeKvmFailure(failure({ exit: { code: 1, signal: null }, consoleTail: ['Kernel panic'] })), 'qemu-system-x86_64 exited with code 1 after 0.3 s: (no stderr); last console lines: Kernel panic');
  const console = Array.from({ length: 20 }, (_, i) => `line ${i}`);
  t.equal(
    describeKvmFailure(failure({ code: 'BOOT_HUNG', consoleTail: [...console, '   ', 'Decompressing Linux... Parsing ELF... done.'], elapsedMs: 60_000 })),
    'the probe boot hung: no ready marker within 60 s; last console lines: line 16 | line 17 | line 18 | line 19 | Decompressing Linux... Parsing ELF... done.',
  );
  t.equal(describeKvmFailure(failure({ code: 'BOOT_HUNG' })), 'the probe boot hung: no ready marker within 60 s; last console lines: (console empty)');
  const long = describeKvmFailure(failure({ code: 'BOOT_HUNG', consoleTail: ['x'.repeat(1000)] }));
  t.ok(long.length < 300 && long.endsWith('…'), 'a long console line is clipped');
  t.equal(describeKvmFailure(failure({ code: 'SSH_REFUSED', message: 'SSH refused: no answer\nlast lines' })), 'the probe boot failed after 0.3 s [SSH_REFUSED]: SSH refused: no answer');
});

t.test('outcome text: remembered or not, with the way to probe again', async (t) => {
  t.equal(kvmRefusedReason('Q', { path: '/c/accel/a.json' }), 'KVM refused (remembered in /c/accel/a.json; KPTRLAB_REPROBE_KVM=1 or deleting that file probes again): Q');
  t.match(kvmRefusedReason('Q', undefined), /^KVM refused \(not remembered: TCG failed to boot this guest too.*\): Q$/);
  t.match(kvmWorkedReason(3210, '/c/accel/a.json'), /^KVM probe boot reached the ready marker in 3\.2 s \(remembered in \/c\/accel\/a\.json/);
});

t.test('memo key: host kernel, QEMU binary (guest arch) and version; one file per key under <cache>/accel', async (t) => {
  const key = accelMemoKey('qemu-system-x86_64', 'QEMU emulator version 7.2.22', '6.18.0');
  const path = accelMemoPath(key, '/cache');
  t.match(path, /^\/cache\/accel\/[0-9a-f]{16}\.json$/);
  t.equal(accelMemoPath({ ...key }, '/cache'), path, 'stable');
  t.not(accelMemoPath({ ...key, hostKernel: '6.18.1' }, '/cache'), path, 'a new host kernel probes again');
  t.not(accelMemoPath({ ...key, qemuVersion: 'QEMU emulator version 8.0.0' }, '/cache'), path, 'a new QEMU probes again');
  t.not(accelMemoPath({ ...key, binary: 'qemu-system-aarch64' }, '/cache'), path, 'each guest arch is probed on its own');
  t.equal(accelMemoKey('b', 'v').hostKernel.length > 0, true, 'defaults to this host kernel');
});

t.test('memo file: round trip, atomic write, missing/corrupt/foreign files are unknown', async (t) => {
  const root = tempRoot();
  const key = accelMemoKey('qemu-system-x86_64', 'QEMU emulator version 7.2.22', '6.18.0');
  const path = accelMemoPath(key, root);
  t.equal(readAccelMemo(path, key), undefined, 'missing');
  writeAccelMemo(path, key, { works: false, reason: QEMU_MSG, probedAt: '2025-01-02T03:04:05.000Z', probeKernel: '/k/vmlinuz' });
  t.same(readAccelMemo(path, key), { works: false, reason: QEMU_MSG, probedAt: '2025-01-02T03:04:05.000Z', path });
  t.same(readdirSync(dirname(path)), [basename(path)], 'no temp file left');
  t.match(JSON.parse(readFileSync(path, 'utf8')), { schema: 'kptrlab.accel-memo', version: 1, kvm: 'refused', key, probeKernel: '/k/vmlinuz' });
  writeAccelMemo(path, key, { works: true, reason: 'booted' });
  t.match(readAccelMemo(path, key), { works: true, reason: 'booted' }, 'a new answer replaces the old');
  t.equal(readAccelMemo(path, { ...key, qemuVersion: 'other' }), undefined, 'a file for another key (hash collision, hand copy) is unknown');
  for (const [what, text] of [['truncated JSON', '{"schema":"kptrlab.accel-memo","vers'], ['not an object', '42'], ['null', 'null'], ['wrong schema', JSON.stringify({ schema: 'x', version: 1, key, kvm: 'works', reason: '', probedAt: '' })], ['bad verdict', JSON.stringify({ schema: 'kptrlab.accel-memo', version: 1, key, kvm: 'maybe', reason: '', probedAt: '' })], ['empty', '']] as const) {
    writeFileSync(path, text);
    t.equal(readAccelMemo(path, key), undefined, `${what}: unknown, no crash`);
  }
  mkdirSync(`${path}.dir`);
  t.equal(readAccelMemo(`${path}.dir`, key), undefined, 'a folder is unknown');
});

t.test('re-probe switch', async (t) => {
  t.equal(reprobeRequested({}), false);
  for (const value of ['1', 'yes', 'true']) t.equal(reprobeRequested({ [REPROBE_ENV]: value }), true, value);
  for (const value of ['0', '', 'no', 'false']) t.equal(reprobeRequested({ [REPROBE_ENV]: value }), false, JSON.stringify(value));
});

t.test('open memo: a file answer, the process answer, KPTRLAB_REPROBE_KVM, no QEMU', async (t) => {
  const missing = join(tempRoot(), 'no-such-qemu');
  t.equal(await qemuVersionLine(missing), undefined, 'an absent binary has no version');
  const noVersion = await openKvmMemo(missing, tempRoot());
  t.equal(noVersion.path, undefined, 'without a version nothing goes to disk');
  noVersion.remember({ works: false, reason: 'r' });
  t.match(noVersion.known(), { works: false, reason: 'r', path: undefined }, 'but the process remembers');

  const qemu = 'qemu-system-x86_64';
  const version = await qemuVersionLine(qemu);
  if (!version) {
    t.comment(`skipped the file part: ${qemu} is not installed`);
    return;
  }
  t.match(version, /^QEMU emulator version \d/);
  const root = tempRoot();
  const path = accelMemoPath(accelMemoKey(qemu, version), root);
  writeAccelMemo(path, accelMemoKey(qemu, version), { works: false, reason: QEMU_MSG, probedAt: '2025-01-02T03:04:05.000Z' });
  const memo = await openKvmMemo(qemu, root);
  t.equal(memo.path, path);
  t.match(memo.known(), { works: false, reason: QEMU_MSG, path }, 'the file answers');
  writeFileSync(path, 'garbage');
  t.equal(memo.known(), undefined, 'a corrupt file is unknown (the next probe rewrites it)');

  process.env[REPROBE_ENV] = '1';
  t.teardown(() => delete process.env[REPROBE_ENV]);
  writeAccelMemo(path, accelMemoKey(qemu, version), { works: false, reason: QEMU_MSG });
  t.equal(memo.known(), undefined, `${REPROBE_ENV}=1 ignores the file`);
  memo.remember({ works: true, reason: 'booted in 2.0 s', probeKernel: '/k' });
  t.match(memo.known(), { works: true, reason: 'booted in 2.0 s' }, 'but not what this process found: one re-probe per process');
  t.match(JSON.parse(readFileSync(path, 'utf8')), { kvm: 'works', reason: 'booted in 2.0 s', probeKernel: '/k' }, 'the new answer replaced the file');
  t.ok(existsSync(path));
});
