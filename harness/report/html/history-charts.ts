// The trend of each benchmark cell over the stored runs, its change points marked: one chart per target and
// measuring set-up (machine, arch, accelerator, unit), a facet per tree size, a line per variant.
import type { TopLevelSpec } from 'vega-lite';
import { BENCH_VARIANTS, type Accelerator, type TimeUnit } from '../../results/vocab.js';
import { CHART_CONFIG, type ChartSpec } from './chart.js';
import { slug } from './escape.js';
import type { CellHistory } from './input.js';
import { measuredSubtitle, unitAxisTitle } from './units.js';

export interface HistoryGroup {
  target: string;
  machine: string | null;
  arch: string;
  accelerator: Accelerator;
  unit: TimeUnit;
  series: CellHistory[];
}

/** Series with at least one point, grouped by target and measuring set-up (units never share an axis). */
export function historyGroups(history: readonly CellHistory[]): HistoryGroup[] {
  const groups = new Map<string, HistoryGroup>();
  for (const series of history) {
    if (series.points.length === 0) continue;
    const { target, machine, arch, accelerator, unit } = series.cell;
    const key = JSON.stringify([target, machine, arch, accelerator, unit]);
    const group = groups.get(key) ?? { target, machine, arch, accelerator, unit, series: [] };
    group.series.push(series);
    groups.set(key, group);
  }
  return [...groups.values()];
}

interface Row { kind: 'point' | 'change'; size: number; variant: string; run: string; startedAt: string; median?: number; ciLow?: number; ciHigh?: number }

/** The group's points, and one row per change point (at the run that starts it). */
function rows(group: HistoryGroup): Row[] {
  return group.series.flatMap((series) => {
    const { size, variant } = series.cell;
    const points: Row[] = series.points.map((point) => ({ kind: 'point', size, variant, run: point.runId, startedAt: point.startedAt, median: point.median, ciLow: point.ciLow, ciHigh: point.ciHigh }));
    const changes: Row[] = series.changes
      .filter((change) => series.points[change.index] !== undefined)
      .map((change) => ({ kind: 'change', size, variant, run: series.points[change.index]!.runId, startedAt: series.points[change.index]!.startedAt }));
    return [...points, ...changes];
  });
}

export function historyChart(group: HistoryGroup): ChartSpec | undefined {
  const data = rows(group);
  const points = data.filter((row) => row.kind === 'point');
  if (points.length === 0) return undefined;
  const changes = data.length - points.length;
  const lines = new Set(points.map((row) => `${row.size}\u0000${row.variant}`)).size;
  const sizes = [...new Set(points.map((row) => row.size))].sort((a, b) => a - b);
  const y = { type: 'quantitative', title: unitAxisTitle(group.unit, 'per access'), scale: { zero: false } } as const;
  const onlyPoints = { filter: "datum.kind === 'point'" };
  const spec: TopLevelSpec = {
    title: {
      text: `History of ${group.target} on ${group.machine ?? 'an unknown machine'} · ${group.arch}`,
      subtitle: [measuredSubtitle(group.unit, group.accelerator), 'run medians with 95 % CI; dashed vertical lines: change points (the run that starts a new level)'],
    },
    config: CHART_CONFIG,
    data: { values: data },
    facet: { column: { field: 'size', type: 'ordinal', sort: sizes, title: 'tree size (nodes)' } },
    spec: {
      width: 200,
      height: 170,
      encoding: {
        x: { field: 'startedAt', type: 'temporal', title: 'run started' },
        color: { field: 'variant', type: 'nominal', title: 'variant', scale: { domain: BENCH_VARIANTS.filter((variant) => variant !== 'empty') } },
      },
      layer: [
        { transform: [{ filter: "datum.kind === 'change'" }], mark: { type: 'rule', strokeDash: [5, 3], strokeWidth: 2 } },
        { transform: [onlyPoints], mark: { type: 'rule' }, encoding: { y: { field: 'ciLow', ...y }, y2: { field: 'ciHigh' } } },
        { transform: [onlyPoints], mark: { type: 'line' }, encoding: { y: { field: 'median', ...y } } },
        { transform: [onlyPoints], mark: { type: 'point', filled: true, size: 30 }, encoding: { y: { field: 'median', ...y } } },
      ],
    },
  };
  return { id: `history-${slug(`${group.target}-${group.machine ?? ''}-${group.arch}-${group.accelerator}-${group.unit}`)}`, marks: points.length * 2 + lines + changes, spec };
}
