// A target's veristat-style rows as the CSV the tree's veristat writes (-o csv), so `veristat -C base.csv final.csv`
// compares two kptrlab kernels as it would compare two of its own runs.
import type { VeristatRow } from '../results/model.js';

// veristat's own column names (the first name of each stat in its stat_defs), in its CSV order.
export const VERISTAT_COLUMNS = ['file_name', 'prog_name', 'verdict', 'duration', 'total_insns', 'total_states', 'peak_states', 'max_states_per_insn', 'max_mark_read_len', 'prog_size'] as const;

export function veristatCsv(rows: readonly VeristatRow[]): string {
  const sorted = [...rows].sort((a, b) => a.file.localeCompare(b.file) || a.program.localeCompare(b.program));
  const lines = sorted.map((row) => [csvField(row.file), csvField(row.program), row.verdict, row.durationUs, row.insns, row.states, row.peakStates, row.maxStatesPerInsn, row.markRead, row.progSize].join(','));
  return `${[VERISTAT_COLUMNS.join(','), ...lines].join('\n')}\n`;
}

// veristat splits its CSV on commas with no quoting, so a name holding one cannot be written faithfully.
function csvField(text: string): string {
  if (/[,\n"]/.test(text)) throw new Error(`veristat CSV: "${text}" holds a comma, quote or newline, which veristat's reader cannot take`);
  return text;
}
