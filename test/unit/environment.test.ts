// The environment record's parsers, fed the text the kernel writes (and text it does not), and the reader on fake trees.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import t from 'tap';
import { busyProcesses, cpuTicks, otherUsers, parentChain, parseProcStat, statusUid, type ProcStat } from '../../harness/agent/activity.js';
import { boostState, coreTopology, cpuinfoField, cpuList, cpuModel, distinctValues, loadavg, meminfo, smtState } from '../../harness/agent/environment-parse.js';
import { readEnvironment } from '../../harness/agent/environment.js';

const X86_CPUINFO = `processor\t: 0
vendor_id\t: GenuineIntel
cpu family\t: 6
model name\t: Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz
microcode\t: 0xd0003a5
flags\t\t: fpu vme de pse

processor\t: 1
model name\t: something else
microcode\t: 0x1
`;
const ARM64_CPUINFO = `processor\t: 0
BogoMIPS\t: 50.00
Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics
CPU implementer\t: 0x41
CPU architecture: 8
CPU variant\t: 0x3
CPU part\t: 0xd0c
CPU revision\t: 1
`;

t.test('cpuinfo: the first processor names the model and microcode; arm64 falls back to implementer and part', async (t) => {
  t.equal(cpuModel(X86_CPUINFO), 'Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz');
  t.equal(cpuinfoField(X86_CPUINFO, 'microcode'), '0xd0003a5', "the first processor's, not the last one's");
  t.equal(cpuModel(ARM64_CPUINFO), 'CPU implementer 0x41 part 0xd0c');
  t.equal(cpuinfoField(ARM64_CPUINFO, 'microcode'), undefined);
  t.equal(cpuModel('garbage without colons\n\x00\x01'), 'unknown');
  t.equal(cpuModel('model name\t:   \n'), 'unknown', 'an empty value is no model');
  t.equal(cpuModel(undefined), 'unknown');
});

t.test('CPU lists: ranges and singles count; empty is none; anything else is not a list', async (t) => {
  t.same(cpuList('0-3,8,10-11\n'), [0, 1, 2, 3, 8, 10, 11]);
  t.same(cpuList('5'), [5]);
  t.same(cpuList('\n'), [], "the kernel's way of saying none (isolated, nohz_full)");
  t.equal(cpuList('0-3,x'), null);
  t.equal(cpuList('3-1'), null, 'a backwards range');
  t.equal(cpuList('0-4000000000'), null, 'wider than any kernel allows');
  t.equal(cpuList(undefined), null);
});

t.test('topology: cores are distinct sibling sets; an unreadable or garbled list makes both unknown', async (t) => {
  t.same(coreTopology(['0,2\n', '1,3\n', '0,2\n', '1,3\n']), { cores: 2, threadsPerCore: 2 }, 'SMT on, siblings interleaved');
  t.same(coreTopology(['0-1', '0-1', '2', '3']), { cores: 3, threadsPerCore: 2 }, 'the most threads any core has');
  t.same(coreTopology(['0', '1']), { cores: 2, threadsPerCore: 1 });
  t.same(coreTopology(['0', undefined]), { cores: null, threadsPerCore: null });
  t.same(coreTopology(['zero']), { cores: null, threadsPerCore: null });
  t.same(coreTopology([]), { cores: null, threadsPerCore: null }, 'no online CPU known');
});

t.test("SMT: the kernel's control words and the active flag; anything else is unknown", async (t) => {
  t.same(smtState('notsupported\n', '0\n'), { control: 'notsupported', active: false });
  t.same(smtState('on\n', '1\n'), { control: 'on', active: true });
  t.same(smtState('forceoff', '0'), { control: 'forceoff', active: false });
  t.same(smtState('sometimes\n', 'yes\n'), { control: null, active: null });
  t.same(smtState(undefined, undefined), { control: null, active: null });
});

t.test('governors: the distinct values over the policies; no policy (or only garbage) is unknown', async (t) => {
  t.same(distinctValues(['performance\n', 'performance\n', 'powersave\n']), ['performance', 'powersave']);
  t.same(distinctValues(['schedutil\n']), ['schedutil']);
  t.equal(distinctValues([]), null, 'no cpufreq policy at all (a VM)');
  t.equal(distinctValues([undefined, '<unsupported>\n', '']), null);
});

t.test('boost: the first file holding 0 or 1 decides, intel no_turbo inverted, and says which file it was', async (t) => {
  const global = '/sys/devices/system/cpu/cpufreq/boost';
  const noTurbo = '/sys/devices/system/cpu/intel_pstate/no_turbo';
  const policy = '/sys/devices/system/cpu/cpufreq/policy0/boost';
  const sources = (boost?: string, turbo?: string, policyBoost?: string) => [{ path: global, text: boost }, { path: noTurbo, text: turbo, inverted: true }, { path: policy, text: policyBoost }];
  t.same(boostState(sources('1\n')), { enabled: true, source: global });
  t.same(boostState(sources('0\n', '0\n')), { enabled: false, source: global }, 'the global switch wins');
  t.same(boostState(sources(undefined, '1\n')), { enabled: false, source: noTurbo }, 'intel no_turbo=1 is boost off');
  t.same(boostState(sources(undefined, '0\n')), { enabled: true, source: noTurbo });
  t.same(boostState(sources('garbled', undefined, '1\n')), { enabled: true, source: policy }, "amd-pstate's per-policy file after a garbled global one");
  t.same(boostState(sources()), { enabled: null, source: null });
});

t.test('meminfo and loadavg: the numbers the kernel prints; garbled text is unknown', async (t) => {
  t.same(meminfo('MemTotal:       24683756 kB\nMemFree:        21640072 kB\nMemAvailable:   23432356 kB\n'), { totalKiB: 24683756, availableKiB: 23432356 });
  t.same(meminfo('MemTotal: lots\n'), { totalKiB: null, availableKiB: null });
  t.same(loadavg('2.67 2.20 1.60 3/138 4697\n'), [2.67, 2.2, 1.6]);
  t.equal(loadavg('2.67 nan 1.60 3/138 4697\n'), null);
  t.equal(loadavg('2.67\n'), null);
  t.equal(loadavg(undefined), null);
});

const stat = (pid: number, comm: string, ppid: number, ttyNr: number, utime: number, stime: number) =>
  `${pid} (${comm}) R ${ppid} ${pid} ${pid} ${ttyNr} -1 4194560 100 0 0 0 ${utime} ${stime} 0 0 20 0 1 0 1000 1000000 200 18446744073709551615`;

t.test('/proc/<pid>/stat: fields after the last parenthesis, so a command name with spaces and parentheses parses', async (t) => {
  t.same(parseProcStat(stat(42, 'my (odd) proc', 7, 34816, 120, 30)), { pid: 42, comm: 'my (odd) proc', ppid: 7, ttyNr: 34816, ticks: 150 });
  t.same(parseProcStat(stat(2, 'kworker/0:1', 2, 0, 0, 5)), { pid: 2, comm: 'kworker/0:1', ppid: 2, ttyNr: 0, ticks: 5 });
  t.equal(parseProcStat('42 (cut) R 7'), null, 'a truncated line');
  t.equal(parseProcStat('not a stat line'), null);
  t.equal(parseProcStat(undefined), null, 'the process ended before it was read');
  t.equal(statusUid('Name:\tbash\nUid:\t1000\t1000\t1000\t1000\nGid:\t1000\n'), 1000);
  t.equal(statusUid('Name:\tbash\n'), null);
});

t.test('/proc/stat: total ticks (user to steal) and the CPU count', async (t) => {
  const text = 'cpu  100 1 50 1000 10 0 5 4 40 0\ncpu0 50 0 25 500 5 0 2 2 20 0\ncpu1 50 1 25 500 5 0 3 2 20 0\nintr 1\n';
  t.same(cpuTicks(text), { total: 1170, cpus: 2 }, 'guest time (already in user) is not counted twice');
  t.equal(cpuTicks('cpu  a b c d\ncpu0 1 2 3 4\n'), null);
  t.equal(cpuTicks('intr 1\n'), null);
});

t.test('busy processes: share of one CPU between the samples, the run itself and reused pids left out', async (t) => {
  const map = (...stats: ProcStat[]) => new Map(stats.map((entry) => [entry.pid, entry]));
  const proc = (pid: number, comm: string, ticks: number, ppid = 1, ttyNr = 0): ProcStat => ({ pid, comm, ppid, ttyNr, ticks });
  const before = map(proc(1, 'init', 10, 0), proc(100, 'stress', 1000), proc(200, 'cron', 50), proc(300, 'kptrlab', 500), proc(301, 'agent', 10, 300), proc(400, 'old', 0));
  const after = map(proc(1, 'init', 10, 0), proc(100, 'stress', 1024), proc(200, 'cron', 51), proc(300, 'kptrlab', 520), proc(301, 'agent', 30, 300), proc(400, 'new', 25), proc(500, 'born', 25));
  const chain = parentChain(after, 301);
  t.same([...chain].sort(), [1, 300, 301], 'the agent, its parent and init');
  // 25 ticks per CPU passed: stress used 24 of them, cron 1 (4 %, under the 5 % line).
  t.same(busyProcesses(before, after, 25, chain), [{ pid: 100, comm: 'stress', percent: 96 }]);
  // Without the exclusion the run shows up; 'old' became 'new' (a reused pid) and 'born' has no first sample.
  t.same(busyProcesses(before, after, 25, new Set()).map((entry) => `${entry.comm} ${entry.percent}`), ['stress 96', 'kptrlab 80', 'agent 80']);
  t.same(parentChain(map(proc(5, 'a', 0, 6), proc(6, 'b', 0, 5)), 5), new Set([5, 6]), 'a ppid loop ends');
});

t.test('other users: distinct non-root uids on a terminal, not counting whoever started the run', async (t) => {
  const processes = [{ ttyNr: 34816, uid: 1000 }, { ttyNr: 34817, uid: 1000 }, { ttyNr: 34818, uid: 1001 }, { ttyNr: 34819, uid: 0 }, { ttyNr: 0, uid: 1002 }, { ttyNr: 34820, uid: null }, { ttyNr: 34821, uid: 1003 }];
  t.equal(otherUsers(processes, new Set([0, 1003])), 2, 'uids 1000 and 1001: root, a daemon without a tty and the operator are not counted');
  t.equal(otherUsers([], new Set()), 0);
});

/** Writes `files` (path under the root → text) into a fresh folder. */
function fakeRoot(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'kptrlab-env-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

t.test('a fake machine: every field from its file, no cpufreq policy is governor unknown, intel no_turbo=1 is boost off', async (t) => {
  const cpu = 'sys/devices/system/cpu';
  const root = fakeRoot({
    'proc/cpuinfo': X86_CPUINFO,
    [`${cpu}/online`]: '0-1\n',
    [`${cpu}/cpu0/topology/thread_siblings_list`]: '0-1\n',
    [`${cpu}/cpu1/topology/thread_siblings_list`]: '0-1\n',
    [`${cpu}/smt/control`]: 'on\n',
    [`${cpu}/smt/active`]: '1\n',
    [`${cpu}/intel_pstate/no_turbo`]: '1\n',
    [`${cpu}/isolated`]: '1\n',
    [`${cpu}/nohz_full`]: '1\n',
    [`${cpu}/vulnerabilities/meltdown`]: 'Not affected\n',
    [`${cpu}/vulnerabilities/spectre_v2`]: 'Mitigation: Enhanced / Automatic IBRS\n',
    'sys/devices/system/node/node0/cpulist': '0-1\n',
    'sys/devices/system/node/node1/cpulist': '\n',
    'sys/devices/system/node/online': '0-1\n',
    'proc/cmdline': 'BOOT_IMAGE=/vmlinuz isolcpus=1 nohz_full=1\n',
    'proc/meminfo': 'MemTotal:  1000 kB\nMemAvailable:  600 kB\n',
    'proc/loadavg': '0.12 0.34 0.56 1/100 999\n',
    'proc/stat': 'cpu  1 0 1 10 0 0 0 0 0 0\ncpu0 1 0 1 10 0 0 0 0 0 0\n',
    'proc/77/stat': stat(77, 'bash', 1, 34816, 0, 0),
    'proc/77/status': 'Name:\tbash\nUid:\t1000\t1000\t1000\t1000\n',
  });
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, cpu, 'cpufreq'), { recursive: true });
  t.strictSame(readEnvironment(root, 5), {
    cpu: { model: 'Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz', microcode: '0xd0003a5', online: 2, cores: 1, threadsPerCore: 2, smt: { control: 'on', active: true }, numaNodes: 2 },
    cpufreq: { governors: null, driver: null, boost: { enabled: false, source: `/${cpu}/intel_pstate/no_turbo` } },
    isolatedCpus: '1',
    nohzFull: '1',
    cmdline: 'BOOT_IMAGE=/vmlinuz isolcpus=1 nohz_full=1',
    mitigations: { meltdown: 'Not affected', spectre_v2: 'Mitigation: Enhanced / Automatic IBRS' },
    memory: { totalKiB: 1000, availableKiB: 600 },
    loadavg: [0.12, 0.34, 0.56],
    // A clock that did not move between the samples cannot give shares: busy is unknown, not "none".
    activity: { sampleMs: 5, busy: null, otherUsers: 1 },
  });
});

t.test('a machine with none of the files: every field null or unknown, nothing thrown', async (t) => {
  const root = fakeRoot({});
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  t.strictSame(readEnvironment(root, 1), {
    cpu: { model: 'unknown', microcode: null, online: null, cores: null, threadsPerCore: null, smt: { control: null, active: null }, numaNodes: null },
    cpufreq: { governors: null, driver: null, boost: { enabled: null, source: null } },
    isolatedCpus: null,
    nohzFull: null,
    cmdline: null,
    mitigations: null,
    memory: { totalKiB: null, availableKiB: null },
    loadavg: null,
    activity: { sampleMs: 1, busy: null, otherUsers: null },
  });
});

t.test('a machine with cpufreq policies: governors summarized, the driver, per-policy boost', async (t) => {
  const cpufreq = 'sys/devices/system/cpu/cpufreq';
  const root = fakeRoot({
    [`${cpufreq}/policy0/scaling_governor`]: 'performance\n',
    [`${cpufreq}/policy0/scaling_driver`]: 'amd-pstate-epp\n',
    [`${cpufreq}/policy0/boost`]: '0\n',
    [`${cpufreq}/policy1/scaling_governor`]: 'powersave\n',
    [`${cpufreq}/policy1/scaling_driver`]: 'amd-pstate-epp\n',
  });
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  t.strictSame(readEnvironment(root, 1).cpufreq, { governors: ['performance', 'powersave'], driver: 'amd-pstate-epp', boost: { enabled: false, source: `/${cpufreq}/policy0/boost` } });
});
