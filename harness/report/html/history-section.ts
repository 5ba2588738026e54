// The history section: each cell's trend over the stored runs with its change points (only when the caller passed history).
import { renderChart } from './chart.js';
import { historyChart, historyGroups } from './history-charts.js';
import type { CellHistory } from './input.js';

export async function historySection(history: readonly CellHistory[] | undefined): Promise<string> {
  if (!history) return '';
  const groups = historyGroups(history);
  if (groups.length === 0) return '<section id="history"><h2>History</h2><p>No stored run holds these cells.</p></section>';
  const charts = groups.map(historyChart).filter((chart) => chart !== undefined);
  const svgs = await Promise.all(charts.map(renderChart));
  const runs = new Set(history.flatMap((series) => series.points.map((point) => point.runId))).size;
  const changes = history.reduce((sum, series) => sum + series.changes.length, 0);
  return `<section id="history"><h2>History</h2><p class="legend">${history.length} cell series over ${runs} stored run${runs === 1 ? '' : 's'}, ${changes} change point${changes === 1 ? '' : 's'}; only like is compared with like (same machine, arch, accelerator, unit, target, kernel variant, size, variant, lookups and repeat).</p>${svgs.join('')}</section>`;
}
