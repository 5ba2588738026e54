// The A/B view across targets: each case's verdict per kernel, and the fast-path speedups per tree size.
// Rows are built once here; the terminal table and the Markdown summary only lay them out.
import type { RunResults, TargetResult } from '../results/model.js';
import { formatTable, sig } from './format.js';

/** Header + one row per case: its verdict on each target (in target order), whether it changed, pass/FAIL; [] below two targets. */
export function verdictRows(results: RunResults): string[][] {
  const targets = results.targets.filter((target) => target.cases.length > 0);
  if (targets.length < 2) return [];
  const ids = [...new Set(targets.flatMap((target) => target.cases.map((entry) => entry.id)))];
  const header = ['case', ...targets.map((target) => `${target.target.name} (${target.capability?.level ?? '?'})`), 'changed', 'ok'];
  const rows = ids.map((id) => {
    const entries = targets.map((target) => target.cases.find((entry) => entry.id === id));
    const verdicts = entries.map((entry) => entry?.actual ?? '-');
    const changed = new Set(verdicts.filter((verdict) => verdict !== '-')).size > 1 ? 'yes' : '';
    const ok = entries.every((entry) => !entry || entry.status === 'pass' || entry.status === 'skip') ? 'pass' : 'FAIL';
    return [id, ...verdicts, changed, ok];
  });
  return [header, ...rows];
}

/** "reject → reject → accept" rows, one per case, columns in target order; marks verdicts that changed. */
export function verdictMatrix(results: RunResults): string {
  const rows = verdictRows(results);
  return rows.length ? formatTable(rows) : '';
}

/** Header + one row per target and size: stock/fast and baseline/fast as "2.50x [2.40, 2.60]" ('-' where not measured), and the unit. */
export function speedupRows(results: RunResults): string[][] {
  const rows: string[][] = [['target', 'accel', 'size', 'stock/fast', 'baseline/fast', 'unit']];
  for (const target of results.targets) {
    const bench = target.bench;
    if (!bench) continue;
    for (const size of bench.sizes) {
      const ratio = (numerator: string) => {
        const found = bench.ratios.find((entry) => entry.size === size && entry.numerator === numerator && entry.denominator === 'fast');
        return found ? `${sig(found.ratio)}x [${sig(found.ciLow)}, ${sig(found.ciHigh)}]` : '-';
      };
      rows.push([target.target.name, target.target.accelerator, String(size), ratio('stock'), ratio('baseline'), unitOf(target)]);
    }
  }
  // No fast path anywhere: nothing to show.
  return rows.slice(1).some((row) => row[3] !== '-' || row[4] !== '-') ? rows : [];
}

/** Speedup of the fast path over the workarounds per target and size, with CIs and units. */
export function speedupTable(results: RunResults): string {
  const rows = speedupRows(results);
  return rows.length ? formatTable(rows, new Set([2])) : '';
}

function unitOf(target: TargetResult): string {
  return target.bench?.cells[0]?.unit ?? target.target.timeUnit;
}
