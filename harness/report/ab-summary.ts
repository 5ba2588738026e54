// The A/B view across targets: each case's verdict per kernel, and the fast-path speedups per tree size.
// The row functions give the data (the HTML report draws it); the text functions format it for the terminal.
import type { CaseResult, RatioResult, RunResults, TargetResult } from '../results/model.js';
import type { Accelerator, BenchVariant, TimeUnit } from '../results/vocab.js';
import { formatTable, sig } from './format.js';

export interface VerdictRow {
  id: string;
  /** One entry per target, in target order (undefined: the case did not run there). */
  entries: Array<CaseResult | undefined>;
  /** The verdict differs between two targets that ran the case. */
  changed: boolean;
  /** Every target that ran the case passed (or skipped) it. */
  ok: boolean;
}

/** The targets that ran verifier cases, and one row per case (first-seen order) across them. */
export function verdictRows(targets: readonly TargetResult[]): { targets: TargetResult[]; rows: VerdictRow[] } {
  const withCases = targets.filter((target) => target.cases.length > 0);
  const ids = [...new Set(withCases.flatMap((target) => target.cases.map((entry) => entry.id)))];
  const rows = ids.map((id) => {
    const entries = withCases.map((target) => target.cases.find((entry) => entry.id === id));
    const verdicts = new Set(entries.flatMap((entry) => (entry ? [entry.actual] : [])));
    const ok = entries.every((entry) => !entry || entry.status === 'pass' || entry.status === 'skip');
    return { id, entries, changed: verdicts.size > 1, ok };
  });
  return { targets: withCases, rows };
}

/** "reject → reject → accept" rows, one per case, columns in target order; marks verdicts that changed. */
export function verdictMatrix(results: RunResults): string {
  const { targets, rows } = verdictRows(results.targets);
  if (targets.length < 2) return '';
  const header = ['case', ...targets.map((target) => `${target.target.name} (${target.capability?.level ?? '?'})`), 'changed', 'ok'];
  const lines = rows.map((row) => [row.id, ...row.entries.map((entry) => entry?.actual ?? '-'), row.changed ? 'yes' : '', row.ok ? 'pass' : 'FAIL']);
  return formatTable([header, ...lines]);
}

/** The workarounds whose cost is divided by the fast path's: the speedups the series is about. */
export const SPEEDUP_NUMERATORS = ['stock', 'baseline'] as const satisfies readonly BenchVariant[];
export const SPEEDUP_DENOMINATOR = 'fast' satisfies BenchVariant;

export interface SpeedupRow {
  target: TargetResult;
  accelerator: Accelerator;
  unit: TimeUnit;
  size: number;
  /** stock/fast and baseline/fast at this size (undefined where one side did not run). */
  ratios: Record<(typeof SPEEDUP_NUMERATORS)[number], RatioResult | undefined>;
}

/** One row per benchmarked target and size: the fast path's speedups over the workarounds, with their CIs. */
export function speedupRows(targets: readonly TargetResult[]): SpeedupRow[] {
  const rows: SpeedupRow[] = [];
  for (const target of targets) {
    const bench = target.bench;
    if (!bench) continue;
    for (const size of bench.sizes) {
      const ratio = (numerator: string) => bench.ratios.find((entry) => entry.size === size && entry.numerator === numerator && entry.denominator === SPEEDUP_DENOMINATOR);
      rows.push({ target, accelerator: target.target.accelerator, unit: unitOf(target), size, ratios: { stock: ratio('stock'), baseline: ratio('baseline') } });
    }
  }
  return rows;
}

/** Speedup of the fast path over the workarounds per target and size, with CIs and units. */
export function speedupTable(results: RunResults): string {
  const text = (found: RatioResult | undefined) => (found ? `${sig(found.ratio)}x [${sig(found.ciLow)}, ${sig(found.ciHigh)}]` : '-');
  const rows = speedupRows(results.targets).map((row) => [row.target.target.name, row.accelerator, String(row.size), text(row.ratios.stock), text(row.ratios.baseline), row.unit]);
  if (!rows.some((row) => row[3] !== '-' || row[4] !== '-')) return '';
  return formatTable([['target', 'accel', 'size', 'stock/fast', 'baseline/fast', 'unit'], ...rows], new Set([2]));
}

function unitOf(target: TargetResult): TimeUnit {
  return target.bench?.cells[0]?.unit ?? target.target.timeUnit;
}
