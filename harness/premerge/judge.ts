// What each patch changed, from a pre-merge run's results: verdicts and selftests that flipped, verifier cost that moved,
// new errors; and which of those are regressions (success → failure, a new splat or crash, a kernel that stopped building).
import type { CaseResult, RunResults, SelftestResult, TargetResult, VeristatRow } from '../results/model.js';
import { FAILING } from '../results/vocab.js';
import type { PremergeStep } from './plan.js';

export interface Flip {
  id: string;
  from: string;
  to: string;
  /** The status at the later kernel: pass/fail against the expectations for the level it probes at. */
  status: string;
  regression: boolean;
}

export interface CostMove {
  id: string;
  insnsFrom: number;
  insnsTo: number;
  statesFrom: number;
  statesTo: number;
  percent: number;
}

/** A tree selftest program (veristat-style pass) whose verdict changed or whose instructions or states moved beyond the threshold. */
export interface ProgramMove {
  /** "<object file>/<program>", as veristat names it. */
  id: string;
  verdictFrom: string;
  verdictTo: string;
  insnsFrom: number;
  insnsTo: number;
  statesFrom: number;
  statesTo: number;
  peakStatesFrom: number;
  peakStatesTo: number;
  /** Change of instructions processed, in percent of the earlier count (null when that was 0). */
  insnsPercent: number | null;
}

export interface StepChanges {
  step: PremergeStep;
  /** The step compared with (the previous kernel). */
  since: string;
  verdicts: Flip[];
  selftests: Flip[];
  costs: CostMove[];
  /** Tree selftest programs (veristat-style pass) that moved; measurements, never regressions by themselves. */
  programs: ProgramMove[];
  /** Errors this kernel has that the previous one did not (splats, crashes, builds, boots). */
  errors: string[];
  regressions: string[];
}

export interface PremergeJudgement {
  steps: StepChanges[];
  /** The veristat-style pass from the base kernel to the last one (empty when the pass did not run). */
  overall: ProgramMove[];
  regressions: string[];
}

const FAILED = new Set(['fail', 'error']);

/** Compares each step's kernel with the one before it; costs move when instructions processed change by more than `insnsPercent`. */
export function judgePremerge(results: RunResults, steps: readonly PremergeStep[], insnsPercent: number): PremergeJudgement {
  const byName = new Map(results.targets.map((target) => [target.target.name, target]));
  const judged: StepChanges[] = [];
  for (let index = 1; index < steps.length; index++) {
    const before = byName.get(steps[index - 1]!.target);
    const after = byName.get(steps[index]!.target);
    judged.push(compareSteps(steps[index]!, steps[index - 1]!.target, before, after, insnsPercent));
  }
  const first = byName.get(steps[0]!.target)?.selftests?.veristat ?? [];
  const last = byName.get(steps.at(-1)!.target)?.selftests?.veristat ?? [];
  return { steps: judged, overall: steps.length > 1 ? programMoves(first, last, insnsPercent) : [], regressions: judged.flatMap((step) => step.regressions) };
}

function compareSteps(step: PremergeStep, since: string, before: TargetResult | undefined, after: TargetResult | undefined, insnsPercent: number): StepChanges {
  const label = step.adds ? `patch ${step.adds.index}` : `patches ${step.patches.join(', ')}`;
  const changes: StepChanges = { step, since, verdicts: [], selftests: [], costs: [], programs: [], errors: [], regressions: [] };
  if (!after) {
    changes.errors.push(`${step.target}: no result (the run ended before it)`);
    changes.regressions.push(`${label}: its kernel has no result`);
    return changes;
  }
  changes.verdicts = flips(before?.cases ?? [], after.cases, (entry: CaseResult) => entry.actual, (entry) => entry.status, FAILED);
  changes.selftests = flips(before?.selftests?.tests ?? [], after.selftests?.tests ?? [], (entry: SelftestResult) => entry.actual, (entry) => entry.status, FAILING);
  changes.costs = costMoves(before?.cases ?? [], after.cases, insnsPercent);
  changes.programs = programMoves(before?.selftests?.veristat ?? [], after.selftests?.veristat ?? [], insnsPercent);
  const known = new Set((before?.errors ?? []).map((error) => error.code ?? error.message));
  changes.errors = after.errors.filter((error) => !known.has(error.code ?? error.message)).map((error) => `${error.code ?? 'ERROR'}: ${error.message.split('\n')[0]}`);
  const newCompileErrors = after.compileErrors.filter((error) => !(before?.compileErrors ?? []).some((old) => old.source === error.source));
  changes.errors.push(...newCompileErrors.map((error) => `compile ${error.source}: ${error.firstError}`));
  changes.regressions = [
    ...[...changes.verdicts, ...changes.selftests].filter((flip) => flip.regression).map((flip) => `${label}: ${flip.id} ${flip.from} → ${flip.to} (${flip.status})`),
    ...changes.errors.map((error) => `${label}: ${error}`),
  ];
  return changes;
}

// Entries whose outcome differs; a regression when the earlier one did not fail and the later one does.
function flips<T extends { id: string }>(before: readonly T[], after: readonly T[], outcome: (entry: T) => string, status: (entry: T) => string, failing: ReadonlySet<string>): Flip[] {
  const earlier = new Map(before.map((entry) => [entry.id, entry]));
  return after.flatMap((entry) => {
    const old = earlier.get(entry.id);
    // Same outcome, other status: the log now matches (or no longer matches) the test's expected messages.
    if (old && outcome(old) === outcome(entry) && status(old) === status(entry)) return [];
    const from = old ? (outcome(old) === outcome(entry) ? `${outcome(old)}, ${status(old)}` : outcome(old)) : 'absent';
    return [{ id: entry.id, from, to: outcome(entry), status: status(entry), regression: failing.has(status(entry)) && (!old || !failing.has(status(old))) }];
  });
}

function costMoves(before: readonly CaseResult[], after: readonly CaseResult[], insnsPercent: number): CostMove[] {
  const earlier = new Map(before.map((entry) => [entry.id, entry]));
  return after.flatMap((entry) => {
    // A flipped verdict moves the cost by itself (a rejected program stops early): only like verdicts are compared.
    if (earlier.get(entry.id)?.actual !== entry.actual) return [];
    const old = earlier.get(entry.id)?.stats;
    const now = entry.stats;
    if (!old || !now || old.insnsProcessed === 0) return [];
    const percent = ((now.insnsProcessed - old.insnsProcessed) / old.insnsProcessed) * 100;
    if (Math.abs(percent) <= insnsPercent) return [];
    return [{ id: entry.id, insnsFrom: old.insnsProcessed, insnsTo: now.insnsProcessed, statesFrom: old.totalStates, statesTo: now.totalStates, percent }];
  });
}

const percentChange = (from: number, to: number): number | null => (from === 0 ? null : ((to - from) / from) * 100);

/** Programs present on both kernels whose verdict differs, or whose instructions or states moved by more than `percent`. */
export function programMoves(before: readonly VeristatRow[], after: readonly VeristatRow[], percent: number): ProgramMove[] {
  const key = (row: VeristatRow) => `${row.file}/${row.program}`;
  const earlier = new Map(before.map((row) => [key(row), row]));
  const moved = (from: number, to: number) => from !== to && (from === 0 || Math.abs(percentChange(from, to)!) > percent);
  return after.flatMap((row) => {
    const old = earlier.get(key(row));
    if (!old) return [];
    if (old.verdict === row.verdict && !moved(old.insns, row.insns) && !moved(old.states, row.states)) return [];
    return [{
      id: key(row), verdictFrom: old.verdict, verdictTo: row.verdict, insnsFrom: old.insns, insnsTo: row.insns, statesFrom: old.states, statesTo: row.states,
      peakStatesFrom: old.peakStates, peakStatesTo: row.peakStates, insnsPercent: percentChange(old.insns, row.insns),
    }];
  });
}
