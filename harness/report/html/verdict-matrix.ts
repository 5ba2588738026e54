// The verdict matrix: a row per verifier case, a column per target; each cell accept/reject, styled by pass/fail,
// and marked where the verdict differs from the previous column that ran the case.
import { verdictRows } from '../ab-summary.js';
import type { CaseResult } from '../../results/model.js';
import { type Column, measuredText } from './columns.js';
import { esc } from './escape.js';

function cell(entry: CaseResult | undefined, previous: CaseResult | undefined): string {
  if (!entry) return '<td class="missing">–</td>';
  const changed = previous !== undefined && previous.actual !== entry.actual;
  const stats = entry.stats ? `; ${entry.stats.insnsProcessed} insns, ${entry.stats.totalStates} states, ${entry.stats.verificationTimeUs} µs` : '';
  const title = `expected ${entry.expected}, got ${entry.actual}: ${entry.status}${stats}${entry.reason ? `\n${entry.reason}` : ''}`;
  const delta = changed ? ` <span class="delta">was ${esc(previous.actual)}</span>` : '';
  return `<td class="verdict ${esc(entry.status)}${changed ? ' changed' : ''}" title="${esc(title)}">${esc(entry.actual)}${entry.status === 'pass' ? '' : ` <b>${esc(entry.status.toUpperCase())}</b>`}${delta}</td>`;
}

function header(column: Column): string {
  const level = column.target.capability?.level;
  return `<th data-target="${esc(column.key)}" scope="col"><div>${esc(column.name)}</div><div class="sub">${esc(column.kernel)} · ${esc(column.arch)}</div><div class="sub">${esc(column.machine)}</div><div class="sub">${esc(measuredText(column))}${level ? ` · level ${esc(level)}` : ''}</div></th>`;
}

export function verdictMatrixSection(columns: readonly Column[]): string {
  const byTarget = new Map(columns.map((column) => [column.target, column]));
  const { targets, rows } = verdictRows(columns.map((column) => column.target));
  if (rows.length === 0) return '<section id="verdicts"><h2>Verifier verdicts</h2><p>No verifier cases in these runs.</p></section>';
  const shown = targets.map((target) => byTarget.get(target)!);
  const body = rows.map((row) => {
    const cells = row.entries.map((entry, index) => cell(entry, row.entries.slice(0, index).reverse().find((before) => before !== undefined)));
    const first = row.entries.find((entry) => entry !== undefined);
    return `<tr data-case="${esc(row.id)}" class="${row.changed ? 'row-changed' : ''}${row.ok ? '' : ' row-failed'}"><th scope="row"><code>${esc(row.id)}</code><div class="sub">${esc(first?.description ?? '')}</div></th>${cells.join('')}</tr>`;
  });
  const legend = '<p class="legend">Green: as expected; red: not as expected; <span class="delta">was …</span>: the verdict differs from the column to its left. Hover a cell for the expectation and the verifier\'s statistics.</p>';
  return `<section id="verdicts"><h2>Verifier verdicts</h2>${legend}<div class="scroll"><table class="matrix" data-matrix="verdicts" data-rows="${rows.length}" data-columns="${shown.length}"><thead><tr><th scope="col">case</th>${shown.map(header).join('')}</tr></thead><tbody>${body.join('')}</tbody></table></div></section>`;
}
