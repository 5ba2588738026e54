// Two runs side by side: per verifier case the verdict change and the verifier's cost deltas (like veristat -C), per
// benchmark cell the change of the median with a 95 % CI and a significance test on the raw per-access values: round r
// of both runs read the same keys (same seed), so rounds pair (Wilcoxon signed-rank, paired bootstrap); else Mann–Whitney U.
import type { CaseResult, RunResults, TargetResult } from '../results/model.js';
import { bootstrapRatioCi, mannWhitneyU, pairedRatioCi, wilcoxonSignedRank } from '../results/significance.js';
import { median } from '../results/stats.js';
import type { BenchVariant } from '../results/vocab.js';
import { perAccessValues } from './per-access.js';

export interface CompareThresholds {
  /** A cell is a regression when its median is slower by at least this fraction (0.03 = 3 %)… */
  slowdown: number;
  /** …and the test's two-sided p is below alpha. */
  alpha: number;
}

export const DEFAULT_THRESHOLDS: CompareThresholds = { slowdown: 0.03, alpha: 0.05 };

export interface CaseChange {
  target: string;
  id: string;
  before: { actual: CaseResult['actual']; status: CaseResult['status']; insns?: number; states?: number } | null;
  after: { actual: CaseResult['actual']; status: CaseResult['status']; insns?: number; states?: number } | null;
  verdictChanged: boolean;
  /** pass (or skip) before, fail or error after. */
  regressed: boolean;
  insnsDelta?: number;
  statesDelta?: number;
}

export interface CellChange {
  target: string;
  size: number;
  variant: BenchVariant;
  unit: string;
  before: { median: number; n: number };
  after: { median: number; n: number };
  /** after / before with its 95 % bootstrap CI: the median of the round-pair ratios when paired, else the ratio of medians. */
  ratio: number;
  ciLow: number;
  ciHigh: number;
  /** Two-sided p-value on the per-access values of the two runs. */
  p: number;
  /** Rounds of the same seed read the same keys in both runs, so they pair (Wilcoxon signed-rank); otherwise Mann–Whitney U. */
  test: 'wilcoxon-signed-rank' | 'mann-whitney-u';
  verdict: 'slower' | 'faster' | 'same';
}

export interface CompareReport {
  cases: CaseChange[];
  cells: CellChange[];
  /** Cells or targets not compared, and why (different unit, accelerator or workload). */
  refused: string[];
  regressions: string[];
}

const caseSide = (entry: CaseResult | undefined): CaseChange['before'] =>
  entry ? { actual: entry.actual, status: entry.status, insns: entry.stats?.insnsProcessed, states: entry.stats?.totalStates } : null;

function compareCases(name: string, a: TargetResult, b: TargetResult): CaseChange[] {
  const ids = [...new Set([...a.cases.map((entry) => entry.id), ...b.cases.map((entry) => entry.id)])];
  return ids.map((id) => {
    const before = caseSide(a.cases.find((entry) => entry.id === id));
    const after = caseSide(b.cases.find((entry) => entry.id === id));
    const good = (side: CaseChange['before']) => side?.status === 'pass' || side?.status === 'skip';
    return {
      target: name,
      id,
      before,
      after,
      verdictChanged: before?.actual !== after?.actual,
      regressed: good(before) && !good(after),
      insnsDelta: before?.insns !== undefined && after?.insns !== undefined ? after.insns - before.insns : undefined,
      statesDelta: before?.states !== undefined && after?.states !== undefined ? after.states - before.states : undefined,
    };
  });
}

// Only like with like: the same unit and accelerator and the same workload per sample.
function workloadDiffers(a: TargetResult, b: TargetResult): string | undefined {
  if (a.target.accelerator !== b.target.accelerator) return `accelerator ${a.target.accelerator} vs ${b.target.accelerator}`;
  if (!a.bench || !b.bench) return undefined;
  if (a.bench.unit !== b.bench.unit) return `unit ${a.bench.unit} vs ${b.bench.unit}`;
  if (a.bench.unit === 'tcg-ns') return 'tcg-ns (emulated wall time) is compared with nothing';
  if (a.bench.lookups !== b.bench.lookups || a.bench.repeat !== b.bench.repeat) return `workload lookups×repeat ${a.bench.lookups}×${a.bench.repeat} vs ${b.bench.lookups}×${b.bench.repeat}`;
  return undefined;
}

function compareCells(name: string, a: TargetResult, b: TargetResult, thresholds: CompareThresholds, random: () => number): CellChange[] {
  const changes: CellChange[] = [];
  for (const cell of b.bench?.cells ?? []) {
    if (cell.variant === 'empty') continue;
    const before = perAccessValues(a.bench!.rawSamples, cell);
    const after = perAccessValues(b.bench!.rawSamples, cell);
    if (before.length === 0 || after.length === 0) continue;
    const paired = a.bench!.seed === b.bench!.seed && before.length === after.length;
    const { ratio, ciLow, ciHigh } = paired ? pairedRatioCi(before, after, 2000, random) : bootstrapRatioCi(before, after, 2000, random);
    const { p } = paired ? wilcoxonSignedRank(before, after) : mannWhitneyU(before, after);
    const test = paired ? ('wilcoxon-signed-rank' as const) : ('mann-whitney-u' as const);
    const significant = p < thresholds.alpha;
    const verdict = significant && ratio - 1 >= thresholds.slowdown ? 'slower' : significant && 1 - ratio >= thresholds.slowdown ? 'faster' : 'same';
    changes.push({ target: name, size: cell.size, variant: cell.variant, unit: cell.unit, before: { median: median(before), n: before.length }, after: { median: median(after), n: after.length }, ratio, ciLow, ciHigh, p, test, verdict });
  }
  return changes;
}

/** Compares run b against run a (the baseline), target by target (matched by name). */
export function compareRuns(a: RunResults, b: RunResults, thresholds: CompareThresholds, random: () => number): CompareReport {
  const report: CompareReport = { cases: [], cells: [], refused: [], regressions: [] };
  for (const after of b.targets) {
    const name = after.target.name;
    const before = a.targets.find((entry) => entry.target.name === name);
    if (!before) {
      report.refused.push(`${name}: not in the baseline run`);
      continue;
    }
    report.cases.push(...compareCases(name, before, after));
    const differs = workloadDiffers(before, after);
    if (differs) {
      if (before.bench && after.bench) report.refused.push(`${name}: benchmark not compared: ${differs}`);
      continue;
    }
    if (before.bench && after.bench) report.cells.push(...compareCells(name, before, after, thresholds, random));
  }
  // A target error the baseline did not have (a splat, a crash mid-suite, a series mismatch) is new as well.
  for (const after of b.targets) {
    const before = a.targets.find((entry) => entry.target.name === after.target.name);
    const known = new Set((before?.errors ?? []).map((error) => `${error.stage}/${error.code ?? ''}`));
    for (const error of after.errors.filter((entry) => !known.has(`${entry.stage}/${entry.code ?? ''}`))) {
      report.regressions.push(`${after.target.name} ${error.stage}: ${error.code ?? 'error'}: ${error.message.split('\n')[0]}`);
    }
    const knownCompile = new Set((before?.compileErrors ?? []).map((error) => error.source));
    for (const error of after.compileErrors.filter((entry) => !knownCompile.has(entry.source))) report.regressions.push(`${after.target.name} compile ${error.source}: ${error.firstError.split('\n')[0]}`);
  }
  for (const change of report.cases.filter((entry) => entry.regressed)) {
    report.regressions.push(`${change.target} case ${change.id}: ${change.before?.status} (${change.before?.actual}) → ${change.after?.status ?? 'missing'} (${change.after?.actual ?? '-'})`);
  }
  for (const cell of report.cells.filter((entry) => entry.verdict === 'slower')) {
    report.regressions.push(`${cell.target} bench ${cell.variant} size ${cell.size}: ${((cell.ratio - 1) * 100).toFixed(1)} % slower [${((cell.ciLow - 1) * 100).toFixed(1)}, ${((cell.ciHigh - 1) * 100).toFixed(1)}], ${cell.test === 'wilcoxon-signed-rank' ? 'Wilcoxon signed-rank (round pairs)' : 'Mann–Whitney U'} p = ${cell.p.toPrecision(2)}`);
  }
  return report;
}
