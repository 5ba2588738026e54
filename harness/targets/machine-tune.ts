// `tune:` on a lab machine: performance governor, boost off, the measured CPU's SMT siblings offline, the agent pinned.
// Every change is undone by a guard process on the machine that restores the old values when kptrlab's connection
// ends — released at teardown, or dropped by a crash or Ctrl-C — so a tuned machine is restored whatever happens.
import type { HeldCommand, SshSession } from '../ssh/session.js';
import type { TuneChange, TuneRecord } from '../results/model.js';
import { KptrlabError } from '../util/errors.js';

export interface TuneRequest {
  /** The CPU the agent is pinned to; omitted: the first isolated CPU, else the last online one. */
  cpu?: number;
  /** Prefix of /sys (tests point it at a folder of their own). */
  sysfsRoot?: string;
}

export type TuneReport = TuneRecord;

// Prints "kind path value" lines of what tuning touches; $0 is the sysfs root ('' on a real machine).
const READ_SCRIPT = `R="$0"
for f in "$R"/sys/devices/system/cpu/cpufreq/policy*/scaling_governor; do [ -r "$f" ] && printf 'governor %s %s\\n' "$f" "$(cat "$f")"; done
f="$R"/sys/devices/system/cpu/cpufreq/boost; [ -r "$f" ] && printf 'boost %s %s\\n' "$f" "$(cat "$f")"
f="$R"/sys/devices/system/cpu/intel_pstate/no_turbo; [ -r "$f" ] && printf 'no_turbo %s %s\\n' "$f" "$(cat "$f")"
printf 'online - %s\\n' "$(cat "$R"/sys/devices/system/cpu/online 2>/dev/null)"
printf 'isolated - %s\\n' "$(cat "$R"/sys/devices/system/cpu/isolated 2>/dev/null)"
for c in "$R"/sys/devices/system/cpu/cpu[0-9]*; do
  [ -r "$c/topology/thread_siblings_list" ] && printf 'siblings %s %s\\n' "$c" "$(cat "$c/topology/thread_siblings_list")"
  [ -r "$c/online" ] && printf 'cpuonline %s %s\\n' "$c/online" "$(cat "$c/online")"
done
true`;

// Restores path/value pairs (its arguments) once its stdin closes; the values were read from the machine before tuning.
// After a crash its stdout/stderr lead nowhere: a write there would kill it (SIGPIPE) before it restored everything.
const GUARD_SCRIPT = `echo kptrlab-tune-guard; exec 2>/dev/null; cat >/dev/null; exec >/dev/null; while [ $# -ge 2 ]; do printf '%s\\n' "$2" > "$1"; shift 2; done`;

const WRITE_SCRIPT = `printf '%s\\n' "$1" > "$0"`;

/** "0-3,8,10-11" → [0,1,2,3,8,10,11]. */
export function parseCpuList(text: string): number[] {
  const cpus: number[] = [];
  for (const part of text.trim().split(',').filter(Boolean)) {
    const [low, high] = part.split('-').map(Number);
    if (!Number.isInteger(low)) continue;
    for (let cpu = low!; cpu <= (Number.isInteger(high) ? high! : low!); cpu++) cpus.push(cpu);
  }
  return cpus;
}

export interface SysfsFacts {
  governors: Array<{ path: string; value: string }>;
  boost?: { path: string; value: string };
  noTurbo?: { path: string; value: string };
  online: number[];
  isolated: number[];
  /** cpu folder → its thread siblings. */
  siblings: Map<number, { dir: string; list: number[] }>;
  /** Every cpuN/online file and its value (cpu0 often has none: it cannot go offline). */
  cpuOnline: Array<{ path: string; value: string }>;
}

/** Reads READ_SCRIPT's output. */
export function parseSysfsFacts(text: string): SysfsFacts {
  const facts: SysfsFacts = { governors: [], online: [], isolated: [], siblings: new Map(), cpuOnline: [] };
  for (const line of text.split('\n')) {
    const [kind, path = '', ...rest] = line.trim().split(' ');
    const value = rest.join(' ');
    if (kind === 'governor') facts.governors.push({ path, value });
    else if (kind === 'boost') facts.boost = { path, value };
    else if (kind === 'no_turbo') facts.noTurbo = { path, value };
    else if (kind === 'cpuonline') facts.cpuOnline.push({ path, value });
    else if (kind === 'online') facts.online = parseCpuList(value);
    else if (kind === 'isolated') facts.isolated = parseCpuList(value);
    else if (kind === 'siblings') {
      const cpu = Number(/cpu(\d+)$/.exec(path)?.[1]);
      if (Number.isInteger(cpu)) facts.siblings.set(cpu, { dir: path, list: parseCpuList(value) });
    }
  }
  return facts;
}

/** The CPU to measure on and the writes that tune the machine for it (only values that differ). */
export function planTuning(facts: SysfsFacts, request: TuneRequest): { cpu: number; changes: TuneChange[]; unavailable: string[] } {
  const cpu = request.cpu ?? facts.isolated[0] ?? facts.online.at(-1) ?? 0;
  if (facts.online.length && !facts.online.includes(cpu)) throw new KptrlabError('TUNE_CPU', `tune.cpu ${cpu} is not online on the machine (online: ${facts.online.join(',')})`, { hint: 'Pick an online CPU, or leave tune.cpu out.' });
  const changes: TuneChange[] = [];
  const unavailable: string[] = [];
  if (facts.governors.length === 0) unavailable.push('frequency governor (no cpufreq policies)');
  for (const governor of facts.governors) if (governor.value !== 'performance') changes.push({ what: 'governor', path: governor.path, from: governor.value, to: 'performance' });
  if (facts.boost) {
    if (facts.boost.value !== '0') changes.push({ what: 'boost', path: facts.boost.path, from: facts.boost.value, to: '0' });
  } else if (facts.noTurbo) {
    if (facts.noTurbo.value !== '1') changes.push({ what: 'boost', path: facts.noTurbo.path, from: facts.noTurbo.value, to: '1' });
  } else unavailable.push('boost/turbo switch (neither cpufreq/boost nor intel_pstate/no_turbo)');
  const siblings = (facts.siblings.get(cpu)?.list ?? []).filter((sibling) => sibling !== cpu && facts.online.includes(sibling));
  if (siblings.length === 0) unavailable.push(`SMT sibling of CPU ${cpu} (it has none online)`);
  for (const sibling of siblings) {
    const dir = facts.siblings.get(sibling)?.dir ?? facts.siblings.get(cpu)!.dir.replace(/cpu\d+$/, `cpu${sibling}`);
    changes.push({ what: 'smt-sibling', path: `${dir}/online`, from: '1', to: '0' });
  }
  return { cpu, changes, unavailable };
}

/** A tuned machine: the report so far, and undo() (releases the guard, then checks every value is back). */
export interface AppliedTuning {
  report: TuneReport;
  undo(): Promise<TuneReport>;
}

/** Reads, plans, starts the guard with the old values, then applies each change (a refused write is reported, not fatal). */
export async function tuneMachine(session: SshSession, request: TuneRequest): Promise<AppliedTuning> {
  const root = request.sysfsRoot ?? '';
  const read = async () => parseSysfsFacts((await session.exec(['sh', '-c', READ_SCRIPT, root], { timeoutMs: 30_000 })).stdout);
  const before = await read();
  const plan = planTuning(before, request);
  const restore = plan.changes.flatMap((change) => [change.path, change.from]);
  // The guard runs before the first write: from here on, a dropped connection restores the machine.
  const guard: HeldCommand = await session.hold(['sh', '-c', GUARD_SCRIPT, 'kptrlab-tune-guard', ...restore], 'kptrlab-tune-guard', 30_000);
  for (const change of plan.changes) {
    const written = await session.exec(['sh', '-c', WRITE_SCRIPT, change.path, change.to], { timeoutMs: 30_000 });
    if (written.exitCode !== 0) change.refused = written.stderr.trim().replace(/^sh: \d+: /, '').slice(0, 200) || `exit ${written.exitCode}`;
  }
  const report: TuneReport = { cpu: plan.cpu, changes: plan.changes, unavailable: plan.unavailable };
  return {
    report,
    undo: async () => {
      await guard.release();
      const after = await read().catch(() => undefined);
      const values = [...(after?.governors ?? []), ...(after?.boost ? [after.boost] : []), ...(after?.noTurbo ? [after.noTurbo] : []), ...(after?.cpuOnline ?? [])];
      report.notRestored = plan.changes.filter((change) => values.find((entry) => entry.path === change.path)?.value !== change.from).map((change) => change.path);
      return report;
    },
  };
}
