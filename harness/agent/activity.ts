// Other activity on the measured machine: processes using CPU and other people logged in, read from /proc alone.
// The agent and the chain of processes that started it (the orchestrator, sshd, the guest's runner) are the run, not "other".
import { join } from 'node:path';
import type { EnvironmentRecordWire } from './protocol.js';
import { listDir, readProcText } from './proc-text.js';

/** The fields of /proc/<pid>/stat used here. */
export interface ProcStat {
  pid: number;
  comm: string;
  ppid: number;
  /** 0 when the process has no controlling terminal. */
  ttyNr: number;
  /** utime + stime of all its threads, in clock ticks. */
  ticks: number;
}

/** Parses /proc/<pid>/stat; comm may hold spaces and parentheses, so the fields are counted from its last ')'. */
export function parseProcStat(text: string | undefined): ProcStat | null {
  const open = text?.indexOf(' (') ?? -1;
  const close = text?.lastIndexOf(')') ?? -1;
  if (text === undefined || open < 1 || close < open || !/^\d+$/.test(text.slice(0, open))) return null;
  // rest[0] is field 3 (state); ppid is 4, tty_nr 7, utime 14, stime 15 (proc(5)).
  const rest = text.slice(close + 2).split(' ');
  const field = (number: number) => Number(rest[number - 3]);
  const stat = { pid: Number(text.slice(0, open)), comm: text.slice(open + 2, close), ppid: field(4), ttyNr: field(7), ticks: field(14) + field(15) };
  return [stat.ppid, stat.ttyNr, stat.ticks].every(Number.isInteger) ? stat : null;
}

/** The real uid on the "Uid:" line of /proc/<pid>/status. */
export function statusUid(text: string | undefined): number | null {
  const match = /^Uid:\s+(\d+)/m.exec(text ?? '');
  return match ? Number(match[1]) : null;
}

/** Ticks spent by all CPUs (user to steal; guest time is already in user) and the CPUs /proc/stat counts. */
export function cpuTicks(text: string | undefined): { total: number; cpus: number } | null {
  const all = /^cpu\s+(.+)$/m.exec(text ?? '');
  const cpus = text?.match(/^cpu\d+\s/gm)?.length ?? 0;
  const fields = all?.[1]!.trim().split(/\s+/).slice(0, 8).map(Number) ?? [];
  if (cpus === 0 || fields.length < 4 || !fields.every(Number.isInteger)) return null;
  return { total: fields.reduce((sum, value) => sum + value, 0), cpus };
}

/** The process `self` and every process above it up to init. */
export function parentChain(stats: ReadonlyMap<number, ProcStat>, self: number): Set<number> {
  const chain = new Set<number>();
  for (let pid = self; pid > 0 && !chain.has(pid); pid = stats.get(pid)?.ppid ?? 0) chain.add(pid);
  return chain;
}

/** Processes above `threshold` % of one CPU between two samples, busiest first; `ticksPerCpu` is the time one CPU had. */
export function busyProcesses(before: ReadonlyMap<number, ProcStat>, after: ReadonlyMap<number, ProcStat>, ticksPerCpu: number, exclude: ReadonlySet<number>, threshold = 5): Array<{ pid: number; comm: string; percent: number }> {
  const busy: Array<{ pid: number; comm: string; percent: number }> = [];
  for (const [pid, now] of after) {
    const then = before.get(pid);
    // A pid that changed its command between the samples may be a reused one: its ticks are not comparable.
    if (!then || then.comm !== now.comm || exclude.has(pid)) continue;
    const percent = Math.round(((now.ticks - then.ticks) / ticksPerCpu) * 1000) / 10;
    if (percent > threshold) busy.push({ pid, comm: now.comm, percent });
  }
  return busy.sort((a, b) => b.percent - a.percent || a.pid - b.pid);
}

// "Other users" are the distinct non-root uids that own a process with a controlling terminal (a login shell over SSH or
// on a console, a terminal multiplexer's client), leaving out the uids of the agent's own parent chain (whoever started
// the run). Logins without a process on a terminal (sftp, an editor's remote server, cron) are not seen.
/** How many other users are logged in, by the rule above. */
export function otherUsers(processes: ReadonlyArray<{ ttyNr: number; uid: number | null }>, runUids: ReadonlySet<number>): number {
  const uids = new Set(processes.filter((entry) => entry.ttyNr !== 0 && entry.uid !== null && entry.uid !== 0 && !runUids.has(entry.uid)).map((entry) => entry.uid));
  return uids.size;
}

function readStats(procRoot: string): Map<number, ProcStat> {
  const stats = new Map<number, ProcStat>();
  for (const name of listDir(procRoot) ?? []) {
    // A process that ended while /proc was listed has no stat left to read: it is simply not there.
    const stat = /^\d+$/.test(name) ? parseProcStat(readProcText(join(procRoot, name, 'stat'))) : null;
    if (stat) stats.set(stat.pid, stat);
  }
  return stats;
}

/** Blocks the agent's one thread (it has nothing else to do) without spinning a CPU. */
function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Samples /proc twice, `sampleMs` apart: the other busy processes, and the other users logged in. */
export function sampleActivity(procRoot: string, sampleMs: number, self = process.pid): EnvironmentRecordWire['activity'] {
  const before = readStats(procRoot);
  const ticksBefore = cpuTicks(readProcText(join(procRoot, 'stat')));
  sleepMs(sampleMs);
  const after = readStats(procRoot);
  const ticksAfter = cpuTicks(readProcText(join(procRoot, 'stat')));
  if (after.size === 0) return { sampleMs, busy: null, otherUsers: null };
  const chain = new Set([...parentChain(before, self), ...parentChain(after, self)]);
  const ticksPerCpu = ticksBefore && ticksAfter ? (ticksAfter.total - ticksBefore.total) / ticksAfter.cpus : 0;
  const uid = (pid: number) => statusUid(readProcText(join(procRoot, String(pid), 'status')));
  const onTerminal = [...after.values()].filter((stat) => stat.ttyNr !== 0).map((stat) => ({ ttyNr: stat.ttyNr, uid: uid(stat.pid) }));
  const runUids = new Set([...chain].map(uid).filter((entry): entry is number => entry !== null));
  return {
    sampleMs,
    busy: ticksPerCpu > 0 ? busyProcesses(before, after, ticksPerCpu, chain) : null,
    otherUsers: otherUsers(onTerminal, runUids),
  };
}
