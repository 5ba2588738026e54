// Small formatting helpers shared by the text reporters.
import type { Summary } from '../results/stats.js';

/** Pads cells into aligned columns; numbers right-aligned, text left-aligned. */
export function formatTable(rows: ReadonlyArray<ReadonlyArray<string>>, rightAligned: ReadonlySet<number> = new Set()): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 0, cell.length)));
  return rows
    .map((row) => row.map((cell, index) => (rightAligned.has(index) ? cell.padStart(widths[index]!) : cell.padEnd(widths[index]!))).join('  ').trimEnd())
    .join('\n');
}

/** A number with 3 significant digits (ns values span 1..10^6). */
export function sig(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** "12.3 [11.9, 12.8]" */
export function medianWithCi(summary: Summary): string {
  return `${sig(summary.median)} [${sig(summary.ciLow)}, ${sig(summary.ciHigh)}]`;
}

/** Indents every line of a block. */
export function indent(text: string, prefix = '    '): string {
  return text
    .split('\n')
    .map((line) => prefix + line)
    .join('\n');
}
