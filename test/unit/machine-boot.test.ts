// Booting built kernels on lab machines, the parts that need no machine: the kexec command line, telling the booted kernel
// from another, the vmlinux banner, machine health, the console capture and the hard-reset command.
import t from 'tap';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kernelBanner, kexecCommandLine, lastPanicLine, newBootMarker, notTheBootedKernel, type BootState } from '../../harness/targets/machine-boot.js';
import { healthDir, markHealth, readHealth } from '../../harness/targets/machine-health.js';
import { consoleAtFailure, hardReset, startConsole } from '../../harness/targets/machine-power.js';

// A killed process may stay a zombie until its new parent reaps it: that is gone too.
const alive = (pid: number) => existsSync(`/proc/${pid}/stat`) && readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';

const scratch = () => {
  const dir = mkdtempSync(join(tmpdir(), 'kptrlab-machine-boot-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};

t.test('the kexec command line is the machine\'s own, minus the boot loader\'s words and an old marker, plus append and the marker', async (t) => {
  const marker = newBootMarker();
  t.match(marker, /^kptrlab\.boot=[0-9a-f]{12}$/);
  t.not(newBootMarker(), marker, 'every boot gets its own marker');
  t.equal(
    kexecCommandLine('BOOT_IMAGE=/vmlinuz-6.1.0-50-amd64 root=/dev/vda rw  console=ttyS0,115200 initrd=/initrd.img kptrlab.boot=0123456789ab', ['mitigations=off'], marker),
    `root=/dev/vda rw console=ttyS0,115200 mitigations=off ${marker}`,
  );
});

t.test('the booted kernel is told from the default one by its marker and its banner, not its release', async (t) => {
  const banner = 'Linux version 7.3.4 (root@lab) (gcc (Debian 12.2.0-14) 12.2.0, GNU ld 2.40) #1 SMP PREEMPT_DYNAMIC Thu Dec  3 23:10:00 UTC 2026';
  const state = (cmdline: string, version = banner): BootState => ({ bootId: 'b', cmdline, release: '7.3.4', version: `${version}\n` });
  t.equal(notTheBootedKernel(state('root=/dev/vda kptrlab.boot=aa'), 'kptrlab.boot=aa', banner), undefined);
  t.match(notTheBootedKernel(state('root=/dev/vda'), 'kptrlab.boot=aa', banner), /without kptrlab's marker kptrlab.boot=aa/);
  t.match(notTheBootedKernel(state('root=/dev/vda kptrlab.boot=aab'), 'kptrlab.boot=aa', banner), /without kptrlab's marker/, 'a marker that only starts the same is not it');
  t.match(notTheBootedKernel(state('kptrlab.boot=aa', banner.replace('#1', '#2')), 'kptrlab.boot=aa', banner), /is not the built kernel's banner/, 'same release, another build');
  t.equal(notTheBootedKernel(state('kptrlab.boot=aa', 'anything'), 'kptrlab.boot=aa', undefined), undefined, 'without a banner the marker decides');
});

t.test('the console\'s last panic line names the failure', async (t) => {
  const text = 'Run /x as init process\nKernel panic - not syncing: Requested init /x failed (error -2).\nKernel Offset: disabled\n---[ end Kernel panic - not syncing: Requested init /x failed (error -2). ]---';
  t.equal(lastPanicLine(text), 'Kernel panic - not syncing: Requested init /x failed (error -2).');
  t.equal(lastPanicLine('systemd[1]: Started ssh.service\nlogin:'), undefined, 'a healthy console has none');
});

t.test('the banner is found in a vmlinux, past format strings and across read chunks', async (t) => {
  const dir = scratch();
  const banner = 'Linux version 7.3.4-kptrlab (root@lab) (gcc 12.2.0) #7 SMP PREEMPT_DYNAMIC Thu Dec  3 23:10:00 UTC 2026';
  const decoy = Buffer.from('\0Linux version %s (%s)\n\0Linux version 7.3.4-kptrlab\0');
  // Straddles the 8 MiB read chunk: found only if chunks overlap.
  const file = Buffer.alloc(9 * 1024 * 1024);
  decoy.copy(file, 100);
  Buffer.from(`${banner}\n`).copy(file, 8 * 1024 * 1024 - 40);
  writeFileSync(join(dir, 'vmlinux'), file);
  t.equal(kernelBanner(join(dir, 'vmlinux')), banner);
  t.equal(kernelBanner(join(dir, 'vmlinux'), '7.3.4-kptrlab'), banner);
  t.equal(kernelBanner(join(dir, 'vmlinux'), '6.1.0'), undefined, 'another release is not found');
  writeFileSync(join(dir, 'plain'), decoy);
  t.equal(kernelBanner(join(dir, 'plain')), undefined, 'format strings alone are not a banner');
});

t.test('machine health: good until marked, kept per machine, bad survives until marked good', async (t) => {
  const dir = scratch();
  t.same(readHealth('lab1', dir), { health: 'good', reason: 'never marked', at: '' });
  markHealth('lab1', 'bad', 'no SSH after hard reset', dir, new Date('2026-12-04T00:00:00Z'));
  t.same(readHealth('lab1', dir), { health: 'bad', reason: 'no SSH after hard reset', at: '2026-12-04T00:00:00.000Z' });
  t.equal(readHealth('lab2', dir).health, 'good', 'another machine is not affected');
  markHealth('lab1', 'good', 'checked', dir);
  t.equal(readHealth('lab1', dir).health, 'good');
  t.same(readdirSync(dir).sort(), ['lab1.json'], 'no temporary file is left');
  writeFileSync(join(dir, 'lab3.json'), '{"health": "maybe"}');
  t.equal(readHealth('lab3', dir).health, 'good', 'an unreadable record is not a bad mark');
  t.equal(healthDir({ KPTRLAB_STATE: '/s' }), '/s/machines');
  t.equal(healthDir({ XDG_STATE_HOME: '/x', HOME: '/h' }), '/x/kptrlab/machines');
});

t.test('the console capture keeps the last output and stops the command with its children', async (t) => {
  const dir = scratch();
  const pidFile = join(dir, 'pid');
  const console = startConsole(['sh', '-c', `for i in 1 2 3 4 5; do echo "line $i"; done; printf '\\033[1mbold\\033[0m\\r\\n' >&2; sleep 60 & echo $! > ${pidFile}; wait`]);
  await new Promise((resolve) => setTimeout(resolve, 500));
  t.equal(console.tail(2), 'line 5\nbold', 'last lines, stderr too, escapes and carriage returns removed');
  const sleeper = Number(readFileSync(pidFile, 'utf8'));
  t.ok(alive(sleeper), 'the console command runs until stopped');
  t.notOk(console.ended(), 'a streaming console has not ended');
  console.stop();
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.notOk(alive(sleeper), 'the console command\'s children are gone');

  // A snapshot command (it prints and exits) is run again at the failure, so the panic is in what is kept.
  const log = join(dir, 'serial.log');
  writeFileSync(log, 'old boot\n');
  const snapshot = startConsole(['cat', log]);
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.ok(snapshot.ended(), 'a snapshot console ends on its own');
  writeFileSync(log, 'old boot\nKernel panic - not syncing: VFS\n');
  t.match(await consoleAtFailure(snapshot, ['cat', log]), /Kernel panic - not syncing: VFS/);
  t.equal(await consoleAtFailure(undefined, undefined), '', 'no console configured: nothing');
  const streaming = startConsole(['sh', '-c', 'echo streamed; sleep 30']);
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.equal(await consoleAtFailure(streaming, ['sh', '-c', 'echo streamed; sleep 30']), 'streamed', 'a stream is read, not started again');
  streaming.stop();
  snapshot.stop();
  const missing = startConsole(['/nonexistent/console']);
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.match(missing.tail(), /did not start/);
  missing.stop();
});

t.test('the hard-reset command: exit 0 is done; a failure or a hang is POWER_RESET_FAILED with its output', async (t) => {
  await hardReset('lab1', ['true'], 5);
  await t.rejects(hardReset('lab1', ['sh', '-c', 'echo pdu unreachable >&2; exit 3'], 5), { code: 'POWER_RESET_FAILED', message: /exited with 3: pdu unreachable/ });
  await t.rejects(hardReset('lab1', ['sleep', '30'], 1), { code: 'POWER_RESET_FAILED', message: /did not finish within 1000 ms/ });
  await t.rejects(hardReset('lab1', ['/nonexistent/reset'], 5), { code: 'POWER_RESET_FAILED' });
});
