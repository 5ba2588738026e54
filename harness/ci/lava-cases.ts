// The LAVA test cases one target's results make: each verifier case, each benchmark cell, the target's own checks.
// The job reports them with lava-test-case; the merge holds LAVA's results YAML against the same list.
import type { TargetResult } from '../results/model.js';

export type LavaResult = 'pass' | 'fail' | 'skip';

export interface LavaTestCase {
  /** The lava-test-set the case is reported under. */
  set: 'verify' | 'bench' | 'target';
  name: string;
  result: LavaResult;
  measurement?: number;
  units?: string;
}

/** A name lava-test-case takes as one word: letters, digits, '.', '_' and '-' only. */
export function lavaCaseName(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 180) || '_';
}

/** Verifier cases (pass/fail/skip), benchmark cells (median per access, pass when the size's integrity check held), target checks. */
export function lavaTestCases(target: TargetResult): LavaTestCase[] {
  const cases: LavaTestCase[] = target.cases.map((entry) => ({ set: 'verify', name: lavaCaseName(entry.id), result: entry.status === 'pass' ? 'pass' : entry.status === 'skip' ? 'skip' : 'fail' }));
  const bench = target.bench;
  for (const cell of bench?.cells ?? []) {
    const held = (bench?.integrity.find((entry) => entry.size === cell.size)?.ok ?? false) && !bench?.errors.some((error) => error.size === cell.size);
    // The empty loop has no calibrated cost: its raw per-lookup time is the figure.
    const figure = cell.perAccess ?? cell.perLookup;
    cases.push({ set: 'bench', name: lavaCaseName(`${cell.variant}-${cell.size}`), result: held ? 'pass' : 'fail', measurement: figure.median, units: `${cell.unit}/${cell.perAccess ? 'access' : 'lookup'}` });
  }
  if (target.capability) cases.push({ set: 'target', name: lavaCaseName(`capability-${target.capability.level}`), result: 'pass' });
  target.compileErrors.forEach((error, index) => cases.push({ set: 'target', name: lavaCaseName(`compile-${index + 1}-${error.source.split('/').pop() ?? ''}`), result: 'fail' }));
  target.errors.forEach((error, index) => cases.push({ set: 'target', name: lavaCaseName(`error-${index + 1}-${error.code ?? error.stage}`), result: 'fail' }));
  bench?.errors.forEach((_error, index) => cases.push({ set: 'target', name: `bench-error-${index + 1}`, result: 'fail' }));
  return cases;
}
