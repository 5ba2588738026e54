// The benchmark charts of one group of like-for-like targets (same machine, arch, accelerator and unit): per-access
// cost by tree size per variant, and the fast path's speedups; one facet per target, one unit per axis.
import type { TopLevelSpec } from 'vega-lite';
import type { PositionFieldDef } from 'vega-lite/types_unstable/channeldef.js';
import { SPEEDUP_DENOMINATOR, speedupRows } from '../ab-summary.js';
import { BENCH_VARIANTS, type Accelerator, type TimeUnit } from '../../results/vocab.js';
import { CHART_CONFIG, type ChartSpec } from './chart.js';
import type { Column } from './columns.js';
import { slug } from './escape.js';
import { measuredSubtitle, unitAxisTitle } from './units.js';

export interface BenchGroup {
  /** 1-based position among the page's groups (keeps chart ids short and unique). */
  index: number;
  machine: string;
  arch: string;
  accelerator: Accelerator;
  unit: TimeUnit;
  columns: Column[];
}

/** Columns with benchmark cells, grouped so that only like is drawn with like. */
export function benchGroups(columns: readonly Column[]): BenchGroup[] {
  const groups = new Map<string, BenchGroup>();
  for (const column of columns) {
    if (!column.target.bench?.cells.length) continue;
    const key = JSON.stringify([column.machine, column.arch, column.accelerator, column.unit]);
    const group = groups.get(key) ?? { index: groups.size + 1, machine: column.machine, arch: column.arch, accelerator: column.accelerator, unit: column.unit, columns: [] };
    group.columns.push(column);
    groups.set(key, group);
  }
  return [...groups.values()];
}

export interface CostPoint { target: string; size: number; variant: string; median: number; ciLow: number; ciHigh: number }
export interface SpeedupPoint { target: string; size: number; ratio: string; value: number; ciLow: number; ciHigh: number }

/** Every calibrated cell of the group (the empty loop is the calibration, not a variant), in the group's unit only. */
export function costPoints(group: BenchGroup): CostPoint[] {
  return group.columns.flatMap((column) =>
    column.target.bench!.cells
      .filter((cell) => cell.variant !== 'empty' && cell.perAccess && cell.unit === group.unit)
      .map((cell) => ({ target: column.name, size: cell.size, variant: cell.variant, median: cell.perAccess!.median, ciLow: cell.perAccess!.ciLow, ciHigh: cell.perAccess!.ciHigh })),
  );
}

/** stock/fast and baseline/fast per target and size, as ab-summary defines them, in the group's unit only. */
export function speedupPoints(group: BenchGroup): SpeedupPoint[] {
  const names = new Map(group.columns.map((column) => [column.target, column.name]));
  return speedupRows(group.columns.map((column) => column.target)).flatMap((row) =>
    Object.values(row.ratios)
      .filter((ratio) => ratio !== undefined && ratio.unit === group.unit)
      .map((ratio) => ({ target: names.get(row.target)!, size: row.size, ratio: `${ratio!.numerator}/${ratio!.denominator}`, value: ratio!.ratio, ciLow: ratio!.ciLow, ciHigh: ratio!.ciHigh })),
  );
}

const distinct = <T>(values: readonly T[]) => [...new Set(values)];

/** A log-2 size axis padded by half an octave, labelled at the measured sizes. */
function sizeAxis(sizes: readonly number[]): PositionFieldDef<string> {
  return {
    field: 'size',
    type: 'quantitative',
    title: 'tree size (nodes, log scale)',
    scale: { type: 'log', base: 2, domain: [Math.min(...sizes) / 1.5, Math.max(...sizes) * 1.5], nice: false },
    axis: { values: distinct(sizes), format: 'd', labelAngle: 0 },
  };
}

function groupId(group: BenchGroup): string {
  return `${group.index}-${slug(`${group.arch}-${group.accelerator}-${group.unit}`)}`;
}

function groupTitle(group: BenchGroup): string {
  return `${group.machine} · ${group.arch}`;
}

type FacetedSpec = Extract<TopLevelSpec, { facet: unknown }>;
type LayeredCell = Omit<Extract<FacetedSpec['spec'], { layer: unknown }>, 'width' | 'height'>;

/** A chart with one column per target (in the given order), each a 190 px square drawing of inner. */
function facetPerTarget(title: FacetedSpec['title'], points: object[], targets: string[], inner: LayeredCell): TopLevelSpec {
  return { title, config: CHART_CONFIG, data: { values: points }, facet: { column: { field: 'target', type: 'nominal', sort: targets, title: null } }, spec: { width: 190, height: 190, ...inner } };
}

/** Per-access cost (median, 95 % CI bars) by tree size, a line per variant, a facet per target. */
export function costChart(group: BenchGroup): ChartSpec | undefined {
  const points = costPoints(group);
  if (points.length === 0) return undefined;
  const targets = distinct(points.map((point) => point.target));
  const lines = distinct(points.map((point) => `${point.target}\u0000${point.variant}`)).length;
  const y = { type: 'quantitative', title: unitAxisTitle(group.unit, 'per access'), scale: { zero: false } } as const;
  const title = { text: `Per-access cost by tree size: ${groupTitle(group)}`, subtitle: [measuredSubtitle(group.unit, group.accelerator), 'median of the rounds, 95 % CI of the median; the empty loop is subtracted'] };
  const spec = facetPerTarget(title, points, targets, {
    encoding: {
      x: sizeAxis(points.map((point) => point.size)),
      color: { field: 'variant', type: 'nominal', title: 'variant', scale: { domain: BENCH_VARIANTS.filter((variant) => variant !== 'empty') } },
    },
    layer: [
      { mark: { type: 'rule', strokeWidth: 1.5 }, encoding: { y: { field: 'ciLow', ...y }, y2: { field: 'ciHigh' } } },
      { mark: { type: 'line', strokeWidth: 1.5 }, encoding: { y: { field: 'median', ...y } } },
      { mark: { type: 'point', filled: true, size: 36 }, encoding: { y: { field: 'median', ...y }, shape: { field: 'variant', type: 'nominal' } } },
    ],
  });
  return { id: `cost-${groupId(group)}`, marks: points.length * 2 + lines, spec };
}

/** The fast path's speedups (ratio of medians, 95 % bootstrap CI) by tree size; 1 = no speedup; a facet per target. */
export function speedupChart(group: BenchGroup): ChartSpec | undefined {
  const points = speedupPoints(group);
  if (points.length === 0) return undefined;
  const targets = distinct(points.map((point) => point.target));
  const lines = distinct(points.map((point) => `${point.target}\u0000${point.ratio}`)).length;
  const y = { type: 'quantitative', title: `speedup × (${group.unit} ratio)` } as const;
  const x = sizeAxis(points.map((point) => point.size));
  const color = { field: 'ratio', type: 'nominal', title: 'ratio' } as const;
  const title = { text: `Fast-path speedup over the workarounds: ${groupTitle(group)}`, subtitle: [measuredSubtitle(group.unit, group.accelerator), `workaround / ${SPEEDUP_DENOMINATOR}: ratio of medians, 95 % bootstrap CI over paired rounds; the grey line is 1 (no speedup)`] };
  const spec = facetPerTarget(title, points, targets, {
    layer: [
      // One row per facet (the aggregate), so exactly one reference rule per target; it spans the x range.
      { transform: [{ aggregate: [{ op: 'count', as: 'n' }] }], mark: { type: 'rule', color: '#999', strokeDash: [4, 3] }, encoding: { y: { datum: 1, ...y } } },
      { mark: { type: 'rule', strokeWidth: 1.5 }, encoding: { x, color, y: { field: 'ciLow', ...y }, y2: { field: 'ciHigh' } } },
      { mark: { type: 'line', strokeWidth: 1.5 }, encoding: { x, color, y: { field: 'value', ...y } } },
      { mark: { type: 'point', filled: true, size: 36 }, encoding: { x, color, y: { field: 'value', ...y } } },
    ],
  });
  return { id: `speedup-${groupId(group)}`, marks: points.length * 2 + lines + targets.length, spec };
}
