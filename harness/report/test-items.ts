// The run as one flat list of judged items — verifier cases, compile errors, selftests, benchmark cells, target
// errors — each with one outcome: JUnit and KCIDB map this list, so both count a run the same way.
import type { BenchResult, CaseResult, CellResult, SelftestResult, TargetResult, VerifierStats } from '../results/model.js';
import { medianWithCi } from './format.js';
import { cellSamplingText } from './sampling-text.js';

export type ItemKind = 'verifier' | 'selftest' | 'bench' | 'target';

/** pass/fail/error/skip as everywhere; measured: a benchmark figure (no verdict); missed: the harness could not run the target at all. */
export type ItemOutcome = 'pass' | 'fail' | 'error' | 'skip' | 'measured' | 'missed';

export interface JudgedItem {
  target: TargetResult;
  kind: ItemKind;
  /** Selftests: the progs file; bench: the variant; target errors: the stage; verifier: 'verifier' (cases) or 'compile'. */
  group: string;
  /** Case id, subtest, tree size, or the error's code. */
  name: string;
  /** Unique within the target (raw ids, before any format's character rules). */
  key: string;
  outcome: ItemOutcome;
  /** kptrlab's own status word (pass, expected-fail, allowed-fail, measured, ...). */
  status: string;
  /** One line: why it failed, erred or was skipped. */
  message?: string;
  /** The evidence: verifier log excerpt, clang's error, console tail, integrity problems. */
  detail?: string;
  /** What was measured: verifier statistics, or the cell's figures. */
  output?: string;
  cell?: CellResult;
}

/** Every judged item of one target, in the order verifier, selftests, bench, target errors. */
export function targetItems(target: TargetResult): JudgedItem[] {
  return [
    ...target.cases.map((result) => caseItem(target, result)),
    ...target.compileErrors.map((error): JudgedItem => ({
      target, kind: 'verifier', group: 'compile', name: error.source, key: `compile:${error.source}`, outcome: 'error', status: 'compile-error',
      message: firstLine(error.firstError), detail: error.firstError,
    })),
    ...(target.selftests?.tests ?? []).map((result) => selftestItem(target, result)),
    ...(target.bench ? benchItems(target, target.bench) : []),
    ...target.errors.map((error, index): JudgedItem => ({
      target, kind: 'target', group: error.stage, name: error.code ?? 'error', key: `error:${index}`,
      // Stage "target": the harness could not run this target at all, so nothing about the kernel is known.
      outcome: error.stage === 'target' ? 'missed' : 'error', status: error.code ?? 'error',
      message: `${error.message}${error.code ? ` [${error.code}]` : ''}`, detail: error.consoleTail, output: error.hint ? `fix: ${error.hint}` : undefined,
    })),
  ];
}

const CASE_OUTCOME: Record<CaseResult['status'], ItemOutcome> = { pass: 'pass', fail: 'fail', error: 'error', skip: 'skip' };

function caseItem(target: TargetResult, result: CaseResult): JudgedItem {
  const verdict = `expected ${result.expected}, got ${result.actual}`;
  return {
    target, kind: 'verifier', group: 'verifier', name: result.id, key: `case:${result.id}`, outcome: CASE_OUTCOME[result.status], status: result.status,
    message: result.status === 'pass' ? undefined : result.reason ?? verdict, detail: result.status === 'pass' ? undefined : result.excerpt,
    output: `${verdict}${result.stats ? `; ${statsText(result.stats)}` : ''}`,
  };
}

/** "insns 120, states 9 (peak 9, max 1 per insn), mark_read 0, verification 77 us". */
export function statsText(stats: VerifierStats): string {
  return `insns ${stats.insnsProcessed}, states ${stats.totalStates} (peak ${stats.peakStates}, max ${stats.maxStatesPerInsn} per insn), mark_read ${stats.markRead}, verification ${stats.verificationTimeUs} us`;
}

// Known failures are not failures of the run: a kernel declared without the series, or a list entry with a reason.
const SELFTEST_OUTCOME: Record<SelftestResult['status'], { outcome: ItemOutcome; prefix: string }> = {
  pass: { outcome: 'pass', prefix: '' },
  fail: { outcome: 'fail', prefix: '' },
  'unexpected-pass': { outcome: 'fail', prefix: 'unexpected pass: ' },
  skip: { outcome: 'skip', prefix: '' },
  'expected-fail': { outcome: 'skip', prefix: 'expected failure: ' },
  'allowed-fail': { outcome: 'skip', prefix: 'allowed failure: ' },
};

function selftestItem(target: TargetResult, result: SelftestResult): JudgedItem {
  const { outcome, prefix } = SELFTEST_OUTCOME[result.status];
  const slash = result.id.indexOf('/');
  const compared = result.testProgs ? `; test_progs ${result.testProgs.verdict}${result.testProgs.agrees ? '' : ' (differs)'}` : '';
  return {
    target, kind: 'selftest', group: result.file, name: slash >= 0 ? result.id.slice(slash + 1) : result.id, key: `selftest:${result.id}`, outcome, status: result.status,
    message: result.status === 'pass' ? undefined : `${prefix}${result.reason ?? `expected ${result.expected}, got ${result.actual}`}`,
    detail: outcome === 'fail' ? result.excerpt : undefined,
    output: `expected ${result.expected}, got ${result.actual}${compared}`,
  };
}

function benchItems(target: TargetResult, bench: BenchResult): JudgedItem[] {
  const items: JudgedItem[] = [];
  for (const cell of bench.cells) {
    // The empty loop is the calibration every cell subtracts, not a result of its own.
    if (!cell.perAccess) continue;
    const integrity = bench.integrity.find((entry) => entry.size === cell.size);
    const variantOk = integrity?.variants.find((entry) => entry.variant === cell.variant)?.ok ?? true;
    // A size-wide problem (nodes lost, misses) fails every cell of that size; a variant's own miscount fails only it.
    const sizeWide = integrity !== undefined && !integrity.ok && integrity.variants.every((entry) => entry.ok);
    const failed = integrity !== undefined && (!variantOk || sizeWide);
    items.push({
      target, kind: 'bench', group: cell.variant, name: String(cell.size), key: `cell:${cell.variant}:${cell.size}`, cell,
      outcome: failed ? 'fail' : 'measured', status: failed ? 'integrity-failed' : 'measured',
      message: failed ? `integrity check failed at size ${cell.size}` : undefined, detail: failed ? integrity!.problems.join('\n') : undefined,
      output: cellText(cell),
    });
  }
  for (const rejected of bench.rejected) {
    for (const size of bench.sizes) {
      items.push({
        target, kind: 'bench', group: rejected.variant, name: String(size), key: `cell:${rejected.variant}:${size}`, outcome: 'skip', status: 'rejected',
        message: `not measured: the verifier rejects ${rejected.variant} on this kernel: ${firstLine(rejected.message)}`,
      });
    }
  }
  bench.errors.forEach((error, index) => {
    items.push({
      target, kind: 'bench', group: 'error', name: error.size === undefined ? 'bench' : String(error.size), key: `bench-error:${index}`, outcome: 'error', status: 'error',
      message: firstLine(error.message), detail: error.message,
    });
  });
  return items;
}

/** "per access 21.0 [20.0, 22.0] icount-ns (median, 95 % CI) ±4.8% n=10; per lookup 31.0 [30.0, 32.0]". */
export function cellText(cell: CellResult): string {
  const perAccess = cell.perAccess ? `per access ${medianWithCi(cell.perAccess)} ${cell.unit} (median, 95 % CI)${cellSamplingText(cell)}; ` : '';
  return `${perAccess}per lookup ${medianWithCi(cell.perLookup)} ${cell.unit}; ${cell.perLookup.n} samples of ${cell.lookupsPerSample} lookups`;
}

function firstLine(text: string): string {
  return text.split('\n')[0]!;
}

/** tests/failures/errors/skipped as JUnit counts them (measured cells pass; a target the harness missed is an error). */
export function itemCounts(items: readonly JudgedItem[]): { tests: number; failures: number; errors: number; skipped: number } {
  const count = (...outcomes: ItemOutcome[]) => items.filter((item) => outcomes.includes(item.outcome)).length;
  return { tests: items.length, failures: count('fail'), errors: count('error', 'missed'), skipped: count('skip') };
}
