// "What changed", the top of the page: verdicts that differ between kernels, then everything that failed
// (cases, selftests, compile, benchmark, integrity, target errors) and the history's change points.
import { verdictRows } from '../ab-summary.js';
import { FAILING } from '../../results/vocab.js';
import type { Column } from './columns.js';
import { esc } from './escape.js';
import type { CellHistory } from './input.js';

export interface Finding {
  kind: 'verdict-change' | 'failure' | 'regression' | 'improvement';
  html: string;
}

/** "reject on base, lock → accept on v5, patched": the verdict sequence across the columns, runs of one verdict merged. */
export function verdictPath(columns: readonly Column[], verdicts: ReadonlyArray<string | undefined>): string {
  const runs: Array<{ verdict: string; names: string[] }> = [];
  verdicts.forEach((verdict, index) => {
    if (verdict === undefined) return;
    const last = runs.at(-1);
    if (last?.verdict === verdict) last.names.push(columns[index]!.name);
    else runs.push({ verdict, names: [columns[index]!.name] });
  });
  return runs.map((run) => `<b>${esc(run.verdict)}</b> on ${esc(run.names.join(', '))}`).join(' → ');
}

function verdictChanges(columns: readonly Column[]): Finding[] {
  const byTarget = new Map(columns.map((column) => [column.target, column]));
  const { targets, rows } = verdictRows(columns.map((column) => column.target));
  const ordered = targets.map((target) => byTarget.get(target)!);
  return rows
    .filter((row) => row.changed)
    .map((row) => ({ kind: 'verdict-change', html: `<code>${esc(row.id)}</code>: ${verdictPath(ordered, row.entries.map((entry) => entry?.actual))}${row.ok ? ' <span class="ok">(as expected on every kernel)</span>' : ' <span class="bad">(not as expected)</span>'}` }));
}

function failures(columns: readonly Column[]): Finding[] {
  const found: Finding[] = [];
  const add = (column: Column, text: string) => found.push({ kind: 'failure', html: `<b>${esc(column.name)}</b>: ${text}` });
  for (const column of columns) {
    const { target } = column;
    for (const entry of target.cases.filter((item) => item.status === 'fail' || item.status === 'error')) {
      add(column, `case <code>${esc(entry.id)}</code> ${esc(entry.status.toUpperCase())}: expected ${esc(entry.expected)}, got ${esc(entry.actual)}${entry.reason ? ` — ${esc(entry.reason)}` : ''}`);
    }
    for (const test of target.selftests?.tests.filter((item) => FAILING.has(item.status)) ?? []) {
      add(column, `selftest <code>${esc(test.id)}</code> ${esc(test.status)}: expected ${esc(test.expected)}, got ${esc(test.actual)}${test.reason ? ` — ${esc(test.reason)}` : ''}`);
    }
    for (const error of target.compileErrors) add(column, `does not compile: <code>${esc(error.source)}</code> — ${esc(error.firstError)}`);
    for (const error of target.bench?.errors ?? []) add(column, `benchmark${error.size === undefined ? '' : ` size ${error.size}`}: ${esc(error.message)}`);
    for (const integrity of target.bench?.integrity.filter((item) => !item.ok) ?? []) add(column, `benchmark integrity at size ${integrity.size}: ${esc(integrity.problems.join('; '))}`);
    for (const error of target.errors) add(column, `${esc(error.stage)}${error.code ? ` [${esc(error.code)}]` : ''}: ${esc(error.message)}`);
  }
  return found;
}

/** The history's change points: a higher cost is a regression, a lower one an improvement. */
function historyChanges(history: readonly CellHistory[]): Finding[] {
  return history.flatMap((series) =>
    series.changes.flatMap((change) => {
      const point = series.points[change.index];
      if (!point) return [];
      const { target, variant, size, unit, accelerator } = series.cell;
      const percent = `${change.relativeChange >= 0 ? '+' : ''}${(change.relativeChange * 100).toFixed(1)} %`;
      const html = `${esc(target)} ${esc(variant)} size ${size} (${esc(unit)}, ${esc(accelerator)}): ${percent} from run ${esc(point.runId)} (p ${change.pValue.toPrecision(2)}${change.method ? `, ${esc(change.method)}` : ''})`;
      return [{ kind: change.relativeChange > 0 ? 'regression' : 'improvement', html } satisfies Finding];
    }),
  );
}

/** Everything the top of the page lists, verdict changes first. */
export function findings(columns: readonly Column[], history: readonly CellHistory[] = []): Finding[] {
  return [...verdictChanges(columns), ...failures(columns), ...historyChanges(history)];
}

const HEADINGS: Record<Finding['kind'], string> = {
  'verdict-change': 'Verdicts that differ between kernels',
  failure: 'Failures',
  regression: 'Regressions in the history (cost went up)',
  improvement: 'Improvements in the history (cost went down)',
};

export function changesSection(columns: readonly Column[], history: readonly CellHistory[] = []): string {
  const found = findings(columns, history);
  const runs = [...new Set(columns.map((column) => column.run))];
  const status = runs.map((run) => `<li>run <code>${esc(run.run.id)}</code> (${esc(run.run.configFile)}): <span class="${run.run.status === 'passed' ? 'ok' : 'bad'}">${esc(run.run.status)}</span>${run.run.exitCode === undefined ? '' : `, exit ${run.run.exitCode}`}, ${run.targets.length} target${run.targets.length === 1 ? '' : 's'}</li>`).join('');
  const blocks = (Object.keys(HEADINGS) as Finding['kind'][]).map((kind) => {
    const items = found.filter((finding) => finding.kind === kind);
    if (items.length === 0) return '';
    return `<h3 class="${kind}">${HEADINGS[kind]} (${items.length})</h3><ul data-findings="${kind}">${items.map((item) => `<li>${item.html}</li>`).join('')}</ul>`;
  });
  const failed = found.some((finding) => finding.kind === 'failure' || finding.kind === 'regression');
  const verdict = failed ? '' : '<p class="ok" data-findings="none-failed">Nothing failed: every case, selftest and benchmark check passed, and no regression in the history given.</p>';
  return `<section id="changes"><h2>What changed</h2><ul class="runs">${status}</ul>${blocks.join('')}${verdict}</section>`;
}
