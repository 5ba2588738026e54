// The benchmark section: for each like-for-like group of targets, the cost chart and the speedup chart, the
// variants the verifier would not load, and the numbers behind the charts.
import type { BenchResult } from '../../results/model.js';
import { sig } from '../format.js';
import { benchGroups, costChart, costPoints, speedupChart, speedupPoints, type BenchGroup } from './bench-charts.js';
import { renderChart } from './chart.js';
import type { Column } from './columns.js';
import { esc } from './escape.js';

const ci = (median: number, low: number, high: number) => `${sig(median)} [${sig(low)}, ${sig(high)}]`;

function numbers(group: BenchGroup): string {
  const costs = costPoints(group).map((point) => `<tr><td>${esc(point.target)}</td><td>${esc(point.variant)}</td><td class="num">${point.size}</td><td class="num">${ci(point.median, point.ciLow, point.ciHigh)}</td></tr>`);
  const speedups = speedupPoints(group).map((point) => `<tr><td>${esc(point.target)}</td><td>${esc(point.ratio)}</td><td class="num">${point.size}</td><td class="num">${ci(point.value, point.ciLow, point.ciHigh)}×</td></tr>`);
  return `<details class="numbers"><summary>The numbers (${esc(group.unit)}, ${esc(group.accelerator)})</summary><table><thead><tr><th>target</th><th>variant / ratio</th><th>size</th><th>median [95 % CI]</th></tr></thead><tbody>${[...costs, ...speedups].join('')}</tbody></table></details>`;
}

function rejected(group: BenchGroup): string {
  const lines = group.columns.flatMap((column) => (column.target.bench as BenchResult).rejected.map((entry) => `<li><b>${esc(column.name)}</b>: ${esc(entry.variant)} not measured, the verifier rejects it there (${esc(entry.message)})</li>`));
  return lines.length ? `<ul class="rejected">${lines.join('')}</ul>` : '';
}

export async function benchSection(columns: readonly Column[]): Promise<string> {
  const groups = benchGroups(columns);
  const without = columns.filter((column) => !column.target.bench?.cells.length).map((column) => esc(column.name));
  const parts: string[] = [];
  for (const group of groups) {
    const charts = [costChart(group), speedupChart(group)].filter((chart) => chart !== undefined);
    const svgs = await Promise.all(charts.map(renderChart));
    parts.push(`<div class="bench-group"><h3>${esc(group.machine)} · ${esc(group.arch)} · ${esc(group.accelerator)} · ${esc(group.unit)}</h3>${svgs.join('')}${rejected(group)}${numbers(group)}</div>`);
  }
  const none = without.length ? `<p class="sub">No benchmark on ${without.join(', ')}.</p>` : '';
  const body = groups.length ? parts.join('') : '<p>No benchmark in these runs.</p>';
  return `<section id="bench"><h2>Benchmarks</h2><p class="legend">One group per machine, arch, accelerator and unit: figures in different units are never drawn on one axis.</p>${body}${none}</section>`;
}
