// The pre-merge summary a developer pastes into the review thread: per patch, what flipped, what cost moved, what broke.
import type { PremergeJudgement, StepChanges } from './judge.js';
import type { Series } from './series-input.js';

export function premergeMarkdown(series: Series, judgement: PremergeJudgement, context: { base: string; runDir: string; arch: string }): string {
  const lines = [
    `## kptrlab pre-merge: ${judgement.regressions.length ? `**${judgement.regressions.length} regression(s)**` : 'no regression'}`,
    '',
    `Base: \`${context.base}\` (${context.arch}); series: ${series.patches.length} patch(es); run: \`${context.runDir}\``,
    ...series.notes.map((note) => `- note: ${note}`),
    '',
  ];
  for (const step of judgement.steps) lines.push(...stepSection(step), '');
  if (judgement.regressions.length) lines.push('### Regressions', '', ...judgement.regressions.map((regression) => `- ${regression}`), '');
  return `${lines.join('\n').trimEnd()}\n`;
}

function stepSection(changes: StepChanges): string[] {
  const { step } = changes;
  const title = step.adds ? `### Patch ${step.adds.index}/${step.adds.total}: ${step.adds.title}` : `### Patches ${step.patches.join(', ')} (kernel ${step.target})`;
  const out = [title, '', `Compared with \`${changes.since}\`.`, ''];
  if (!changes.verdicts.length && !changes.selftests.length && !changes.costs.length && !changes.errors.length) return [...out, 'No verdict, selftest, cost or error changed.'];
  if (changes.verdicts.length) {
    out.push('| verifier case | before | after | status |', '|---|---|---|---|', ...changes.verdicts.map((flip) => `| ${flip.id} | ${flip.from} | ${flip.to} | ${flip.regression ? `**${flip.status}**` : flip.status} |`), '');
  }
  if (changes.selftests.length) {
    out.push('| tree selftest | before | after | status |', '|---|---|---|---|', ...changes.selftests.map((flip) => `| ${flip.id} | ${flip.from} | ${flip.to} | ${flip.regression ? `**${flip.status}**` : flip.status} |`), '');
  }
  if (changes.costs.length) {
    out.push('| program | insns before | after | change | states before | after |', '|---|---:|---:|---:|---:|---:|', ...changes.costs.map((move) => `| ${move.id} | ${move.insnsFrom} | ${move.insnsTo} | ${move.percent >= 0 ? '+' : ''}${move.percent.toFixed(1)} % | ${move.statesFrom} | ${move.statesTo} |`), '');
  }
  if (changes.errors.length) out.push(...changes.errors.map((error) => `- **${error}**`), '');
  return out;
}
