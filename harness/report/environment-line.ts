// One line per target saying what the measured machine was doing: enough to tell a quiet machine from a noisy one.
import type { EnvironmentRecord, Provenance } from '../results/model.js';

const onOff = (value: boolean | null) => (value === null ? 'unknown' : value ? 'on' : 'off');

/** "smt on", or the kernel's word when SMT cannot be on (off, forceoff, notsupported, notimplemented). */
function smtText(smt: EnvironmentRecord['cpu']['smt']): string {
  return smt.active ? 'on' : smt.control ?? onOff(smt.active);
}

/** The busy processes of both reads, each once (its highest share), busiest first. */
function busiest(records: ReadonlyArray<EnvironmentRecord>): Array<{ comm: string; percent: number }> {
  const byPid = new Map<number, { comm: string; percent: number }>();
  for (const entry of records.flatMap((record) => record.activity.busy ?? [])) {
    if ((byPid.get(entry.pid)?.percent ?? -1) < entry.percent) byPid.set(entry.pid, entry);
  }
  return [...byPid.values()].sort((a, b) => b.percent - a.percent);
}

/** "AMD EPYC, 2 cpus, smt off, governor performance, boost off, load 0.12 → 0.80, 1 busy process (stress 98 %)". */
export function environmentLine(environment: NonNullable<Provenance['environment']>): string {
  const records = [environment.before, environment.after].filter((record): record is EnvironmentRecord => record !== undefined);
  // A warning can quote an agent's stderr: its first line is enough here, results.json keeps the rest.
  const warnings = environment.warnings?.length ? ` (${environment.warnings.map((warning) => warning.split('\n')[0]!.slice(0, 120)).join('; ')})` : '';
  const first = records[0];
  if (!first) return `not read${warnings}`;
  const loads = records.map((record) => (record.loadavg ? record.loadavg[0].toFixed(2) : '?')).join(' → ');
  const busy = busiest(records);
  const users = Math.max(...records.map((record) => record.activity.otherUsers ?? 0));
  const parts = [
    first.cpu.model,
    `${first.cpu.online ?? '?'} cpus`,
    `smt ${smtText(first.cpu.smt)}`,
    `governor ${first.cpufreq.governors?.join('/') ?? 'unknown'}`,
    `boost ${onOff(first.cpufreq.boost.enabled)}`,
    ...(first.isolatedCpus ? [`isolated ${first.isolatedCpus}`] : []),
    `load ${loads}`,
    `${busy.length} busy process${busy.length === 1 ? '' : 'es'}${busy[0] ? ` (${busy[0].comm} ${Math.round(busy[0].percent)} %)` : ''}`,
    ...(users > 0 ? [`${users} other user${users === 1 ? '' : 's'}`] : []),
  ];
  return `${parts.join(', ')}${warnings}`;
}
