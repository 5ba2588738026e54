// Each target's provenance and measured environment, collapsed: what produced its results, for whoever doubts them.
import type { EnvironmentRecord, TargetResult } from '../../results/model.js';
import { environmentLine } from '../environment-line.js';
import type { Column } from './columns.js';
import { esc } from './escape.js';

type Row = [string, string | undefined];

function table(rows: readonly Row[]): string {
  return `<table class="kv">${rows.filter(([, value]) => value !== undefined && value !== '').map(([key, value]) => `<tr><th>${esc(key)}</th><td>${esc(value)}</td></tr>`).join('')}</table>`;
}

function environmentRows(record: EnvironmentRecord): Row[] {
  const onOff = (value: boolean | null) => (value === null ? 'unknown' : value ? 'on' : 'off');
  return [
    ['cpu', `${record.cpu.model}, ${record.cpu.online ?? '?'} online, ${record.cpu.cores ?? '?'} cores × ${record.cpu.threadsPerCore ?? '?'} threads, microcode ${record.cpu.microcode ?? '?'}`],
    ['smt', `${record.cpu.smt.control ?? 'unknown'} (active ${onOff(record.cpu.smt.active)})`],
    ['cpufreq', `governor ${record.cpufreq.governors?.join('/') ?? 'none'}, driver ${record.cpufreq.driver ?? 'none'}, boost ${onOff(record.cpufreq.boost.enabled)}`],
    ['isolated cpus', record.isolatedCpus || 'none'],
    ['load average', record.loadavg?.join(' ') ?? 'unknown'],
    ['memory', record.memory.totalKiB === null ? 'unknown' : `${Math.round((record.memory.availableKiB ?? 0) / 1024)} of ${Math.round(record.memory.totalKiB / 1024)} MiB available`],
    ['busy processes', record.activity.busy?.map((entry) => `${entry.comm} (${entry.pid}) ${Math.round(entry.percent)} %`).join(', ') || 'none'],
    ['kernel command line', record.cmdline ?? 'unknown'],
    ['mitigations', record.mitigations ? Object.entries(record.mitigations).map(([name, text]) => `${name}: ${text}`).join('; ') : 'unknown'],
  ];
}

function provenanceRows(target: TargetResult): Row[] {
  const provenance = target.provenance;
  const kernel = provenance?.kernel;
  return [
    ['kernel release', target.target.kernelRelease],
    ['kernel variant', kernel?.variant],
    ['kernel source', kernel?.source],
    ['kernel cache key', kernel?.cacheKey],
    ['series patches', kernel?.patches?.map((patch) => `${patch.patch} (${patch.state})`).join(', ')],
    ['series declared / probed', provenance?.series ? `${provenance.series.declared ?? '-'} / ${provenance.series.probed ?? target.capability?.level ?? '-'}` : undefined],
    ['capability level', target.capability?.level],
    ['accelerator', `${target.target.accelerator}${target.target.acceleratorReason ? ` (${target.target.acceleratorReason})` : ''}`],
    ['time unit', target.target.timeUnit],
    ['arch', target.target.arch],
    ['machine', provenance?.machine ? `${provenance.machine.hostname}, ${provenance.machine.cpu}, host kernel ${provenance.machine.kernelRelease}` : undefined],
    ['guest', provenance?.machine?.guest],
    ['libbpf', provenance?.libbpf ?? target.libbpf],
    ['BPF objects', provenance ? Object.entries(provenance.objects).map(([source, hash]) => `${source} ${hash.slice(0, 12)}`).join(', ') : undefined],
    ['boot', provenance?.boot ? `${provenance.boot.outcome}${provenance.boot.bootMs === undefined ? '' : ` in ${provenance.boot.bootMs} ms`}, recovery ${provenance.boot.recovery ?? '-'}, health ${provenance.boot.health}` : undefined],
    ['tune', provenance?.tune ? provenance.tune.changes.map((change) => `${change.what} ${change.from} → ${change.to}${change.refused ? ` (refused: ${change.refused})` : ''}`).join(', ') || 'nothing changed' : undefined],
  ];
}

function targetDetails(column: Column): string {
  const environment = column.target.provenance?.environment;
  const phases = (['before', 'after'] as const).flatMap((phase) => {
    const record = environment?.[phase];
    return record ? [`<h4>environment ${phase}</h4>${table(environmentRows(record))}`] : [];
  });
  const summary = environment ? `<p>${esc(environmentLine(environment))}</p>` : '<p class="sub">No environment record.</p>';
  const raw = `<details><summary>raw provenance (JSON)</summary><pre>${esc(JSON.stringify(column.target.provenance ?? null, null, 2))}</pre></details>`;
  return `<details class="provenance" data-provenance="${esc(column.key)}"><summary><b>${esc(column.name)}</b> — ${esc(column.kernel)}, ${esc(column.arch)}, ${esc(column.accelerator)}, ${esc(column.machine)}</summary>${table(provenanceRows(column.target))}${summary}${phases.join('')}${raw}</details>`;
}

export function provenanceSection(columns: readonly Column[]): string {
  return `<section id="provenance"><h2>Targets: provenance and environment</h2>${columns.map(targetDetails).join('')}</section>`;
}
