// The pre-merge summary a developer pastes into the review thread: per patch, what flipped, what cost moved, what broke.
import type { PremergeJudgement, ProgramMove, StepChanges } from './judge.js';
import type { Series } from './series-input.js';

// A review thread reads the first rows; the CSVs beside the summary hold every program.
const PROGRAM_ROWS = 25;

export interface PremergeContext {
  base: string;
  runDir: string;
  arch: string;
  /** How the tree's selftests were chosen (a line), and the changed paths none of them covers. */
  selftests?: { how: string; uncovered: string[] };
  /** veristat CSV files written beside the summary, base and final. */
  veristatFiles?: string[];
}

export function premergeMarkdown(series: Series, judgement: PremergeJudgement, context: PremergeContext): string {
  const lines = [
    `## kptrlab pre-merge: ${judgement.regressions.length ? `**${judgement.regressions.length} regression(s)**` : 'no regression'}`,
    '',
    `Base: \`${context.base}\` (${context.arch}); series: ${series.patches.length} patch(es); run: \`${context.runDir}\``,
    ...series.notes.map((note) => `- note: ${note}`),
    ...(context.selftests ? [`- tree selftests: ${context.selftests.how}`] : []),
    ...(context.selftests?.uncovered.length ? [`- changed files no selected selftest covers: ${context.selftests.uncovered.map((path) => `\`${path}\``).join(', ')}`] : []),
    '',
  ];
  for (const step of judgement.steps) lines.push(...stepSection(step), '');
  if (context.veristatFiles?.length) {
    lines.push('### Tree selftest programs, base → final (veristat-style pass)', '');
    lines.push(judgement.overall.length ? `${judgement.overall.length} program(s) changed verdict or moved beyond the threshold:` : 'No program changed verdict, instructions or states beyond the threshold.', '');
    if (judgement.overall.length) lines.push(...programTable(judgement.overall), '');
    lines.push(`CSV (\`veristat -C\` reads them): ${context.veristatFiles.map((file) => `\`${file}\``).join(', ')}`, '');
  }
  if (judgement.regressions.length) lines.push('### Regressions', '', ...judgement.regressions.map((regression) => `- ${regression}`), '');
  return `${lines.join('\n').trimEnd()}\n`;
}

function stepSection(changes: StepChanges): string[] {
  const { step } = changes;
  const title = step.adds ? `### Patch ${step.adds.index}/${step.adds.total}: ${step.adds.title}` : `### Patches ${step.patches.join(', ')} (kernel ${step.target})`;
  const out = [title, '', `Compared with \`${changes.since}\`.`, ''];
  if (!changes.verdicts.length && !changes.selftests.length && !changes.costs.length && !changes.programs.length && !changes.errors.length) return [...out, 'No verdict, selftest, cost or error changed.'];
  if (changes.verdicts.length) {
    out.push('| verifier case | before | after | status |', '|---|---|---|---|', ...changes.verdicts.map((flip) => `| ${flip.id} | ${flip.from} | ${flip.to} | ${flip.regression ? `**${flip.status}**` : flip.status} |`), '');
  }
  if (changes.selftests.length) {
    out.push('| tree selftest | before | after | status |', '|---|---|---|---|', ...changes.selftests.map((flip) => `| ${flip.id} | ${flip.from} | ${flip.to} | ${flip.regression ? `**${flip.status}**` : flip.status} |`), '');
  }
  if (changes.costs.length) {
    out.push('| program | insns before | after | change | states before | after |', '|---|---:|---:|---:|---:|---:|', ...changes.costs.map((move) => `| ${move.id} | ${move.insnsFrom} | ${move.insnsTo} | ${move.percent >= 0 ? '+' : ''}${move.percent.toFixed(1)} % | ${move.statesFrom} | ${move.statesTo} |`), '');
  }
  if (changes.programs.length) out.push('Tree selftest programs (veristat-style):', '', ...programTable(changes.programs), '');
  if (changes.errors.length) out.push(...changes.errors.map((error) => `- **${error}**`), '');
  return out;
}

function programTable(moves: readonly ProgramMove[]): string[] {
  const percent = (move: ProgramMove) => (move.insnsPercent === null ? 'new' : `${move.insnsPercent >= 0 ? '+' : ''}${move.insnsPercent.toFixed(1)} %`);
  const rows = moves.slice(0, PROGRAM_ROWS).map((move) => `| ${move.id} | ${move.verdictFrom === move.verdictTo ? move.verdictTo : `${move.verdictFrom} → ${move.verdictTo}`} | ${move.insnsFrom} | ${move.insnsTo} | ${percent(move)} | ${move.statesFrom} → ${move.statesTo} | ${move.peakStatesFrom} → ${move.peakStatesTo} |`);
  const more = moves.length > PROGRAM_ROWS ? [`| … ${moves.length - PROGRAM_ROWS} more in the CSVs | | | | | | |`] : [];
  return ['| program | verdict | insns before | after | change | states | peak states |', '|---|---|---:|---:|---:|---|---|', ...rows, ...more];
}
