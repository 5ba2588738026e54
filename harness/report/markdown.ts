// A compact Markdown summary of a run for a review thread or a GitHub job summary: targets, verdict changes,
// failures, fast-path speedups with CIs, selftest totals, and a link to the HTML report next to it.
import type { RatioResult, RunResults, TargetResult } from '../results/model.js';
import { speedupRows, verdictRows } from './ab-summary.js';
import { sig } from './format.js';
import { inlineCode, markdownTable } from './markdown-table.js';
import { SELFTEST_SHORT, selftestStatusCounts } from './selftest-table.js';
import { targetItems, type JudgedItem } from './test-items.js';

// A summary lists the first failures only; the JUnit and HTML reports have them all.
const MAX_FAILURES = 10;

export interface MarkdownOptions {
  /** Relative link to the full report written beside the summary. */
  htmlLink?: string;
}

/** The run's summary as GitHub-flavoured Markdown. */
export function markdownSummary(results: RunResults, options: MarkdownOptions = {}): string {
  const sections = [
    headerSection(results),
    targetsSection(results),
    verdictChangesSection(results),
    failuresSection(results),
    speedupSection(results),
    selftestSection(results),
    `Full report: [${options.htmlLink ?? 'report.html'}](${options.htmlLink ?? 'report.html'})`,
  ];
  return `${sections.filter((section) => section !== '').join('\n\n')}\n`;
}

function headerSection(results: RunResults): string {
  const run = results.run;
  const status = run.status === 'passed' ? 'passed' : `**${run.status.toUpperCase()}**`;
  const exit = run.exitCode === undefined ? '' : ` (exit ${run.exitCode})`;
  return [
    `## kptrlab run ${inlineCode(run.id)}: ${status}${exit}`,
    `config ${inlineCode(run.configFile)} · kptrlab ${run.kptrlab.version} ${inlineCode(run.kptrlab.commit.slice(0, 12))} · started ${run.startedAt} on ${run.host.hostname}`,
  ].join('\n');
}

function targetsSection(results: RunResults): string {
  const rows = results.targets.map((target) => {
    const info = target.target;
    const variant = target.provenance?.kernel.variant;
    return [info.name, `${info.kernelRelease}${variant ? ` (${variant})` : ''}`, info.arch, info.accelerator, info.timeUnit, target.capability?.level ?? '-', verifierText(target), benchText(target)];
  });
  return markdownTable([['target', 'kernel', 'arch', 'accelerator', 'time unit', 'level', 'verifier', 'bench'], ...rows]);
}

function verifierText(target: TargetResult): string {
  if (target.cases.length === 0) return '-';
  const failed = target.cases.filter((entry) => entry.status === 'fail' || entry.status === 'error').length;
  const passed = target.cases.filter((entry) => entry.status === 'pass').length;
  return failed ? `${passed} pass, **${failed} FAIL**` : `${passed} pass`;
}

function benchText(target: TargetResult): string {
  const bench = target.bench;
  if (!bench) return '-';
  const cells = bench.cells.filter((cell) => cell.perAccess).length;
  const rejected = bench.rejected.map((entry) => entry.variant);
  return `${cells} cells${rejected.length ? `; rejected: ${rejected.join(', ')}` : ''}`;
}

function verdictChangesSection(results: RunResults): string {
  const { targets, rows } = verdictRows(results.targets);
  if (targets.length < 2) return '';
  const changed = rows.filter((row) => row.changed);
  if (changed.length === 0) return '### Verdict changes across targets\n\nNo case changes its verdict between targets.';
  // The "changed" column is the filter itself; the case id reads best as code.
  const header = ['case', ...targets.map((target) => `${target.target.name} (${target.capability?.level ?? '?'})`), 'ok'];
  const lines = changed.map((row) => [inlineCode(row.id), ...row.entries.map((entry) => entry?.actual ?? '-'), row.ok ? 'pass' : 'FAIL']);
  return `### Verdict changes across targets\n\n${markdownTable([header, ...lines])}`;
}

function failuresSection(results: RunResults): string {
  const failing = results.targets.flatMap((target) => targetItems(target)).filter((item) => item.outcome === 'fail' || item.outcome === 'error' || item.outcome === 'missed');
  if (failing.length === 0) return '### Failures\n\nNone.';
  const lines = failing.slice(0, MAX_FAILURES).map(failureLine);
  if (failing.length > MAX_FAILURES) lines.push(`- … and ${failing.length - MAX_FAILURES} more (see the full report)`);
  return `### Failures (${failing.length})\n\n${lines.join('\n')}`;
}

const KIND_LABEL: Record<JudgedItem['kind'], string> = { verifier: 'verifier', selftest: 'selftest', bench: 'bench', target: 'target' };

function failureLine(item: JudgedItem): string {
  const what = item.kind === 'selftest' ? `${item.group}/${item.name}` : item.kind === 'bench' ? `${item.group} size ${item.name}` : item.kind === 'target' ? item.group : item.name;
  const why = (item.message ?? item.status).split('\n')[0]!;
  return `- **${item.target.target.name}** ${KIND_LABEL[item.kind]} ${inlineCode(what)}: ${why.length > 200 ? `${why.slice(0, 200)}…` : why}`;
}

function speedupSection(results: RunResults): string {
  const text = (found: RatioResult | undefined) => (found ? `${sig(found.ratio)}x [${sig(found.ciLow)}, ${sig(found.ciHigh)}]` : '-');
  // Sizes where no ratio with the fast path exists (it was rejected there) say nothing in a summary.
  const measured = speedupRows(results.targets).filter((row) => row.ratios.stock || row.ratios.baseline);
  if (measured.length === 0) return '';
  const rows = measured.map((row) => [row.target.target.name, row.accelerator, String(row.size), text(row.ratios.stock), text(row.ratios.baseline), row.unit]);
  return `### Fast-path speedups (ratio of medians, 95 % CI; compare only within one unit)\n\n${markdownTable([['target', 'accel', 'size', 'stock/fast', 'baseline/fast', 'unit'], ...rows], new Set([2]))}`;
}

function selftestSection(results: RunResults): string {
  const targets = results.targets.filter((target) => target.selftests && target.selftests.tests.length > 0);
  if (targets.length === 0) return '';
  const counts = targets.map((target) => selftestStatusCounts(target.selftests!.tests));
  const statuses = (Object.keys(SELFTEST_SHORT) as Array<keyof typeof SELFTEST_SHORT>).filter((status) => counts.some((count) => count.has(status)));
  const rows = targets.map((target, index) => [target.target.name, ...statuses.map((status) => String(counts[index]!.get(status) ?? 0))]);
  const header = ['target', ...statuses.map((status) => SELFTEST_SHORT[status])];
  return `### Kernel tree selftests\n\n${markdownTable([header, ...rows], new Set(statuses.map((_, index) => index + 1)))}`;
}
