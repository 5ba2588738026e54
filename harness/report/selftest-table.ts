// The selftest views: one row per subtest as it arrives, and per-target counts plus a cross-kernel table at the end.
import type { RunResults, SelftestResult } from '../results/model.js';
import type { SelftestStatus } from '../results/vocab.js';
import { formatTable } from './format.js';

export const SELFTEST_SHORT: Record<SelftestStatus, string> = {
  pass: 'PASS',
  fail: 'FAIL',
  skip: 'SKIP',
  'expected-fail': 'XFAIL',
  'unexpected-pass': 'XPASS!',
  'allowed-fail': 'ALLOWED',
};

export const SELFTEST_HEADER = `    ${'test'.padEnd(58)} ${'expect'.padEnd(7)} ${'got'.padEnd(8)} result`;

/** One row: id, expected and actual load outcome, status, the test_progs verdict when compared. */
export function selftestRow(result: SelftestResult): string {
  const compared = result.testProgs ? `  test_progs ${result.testProgs.verdict}${result.testProgs.agrees ? '' : ' (DIFFERS)'}` : '';
  return `    ${result.id.padEnd(58)} ${result.expected.padEnd(7)} ${result.actual.padEnd(8)} ${SELFTEST_SHORT[result.status]}${compared}`;
}

/** How many subtests ended in each status, in order of first appearance. */
export function selftestStatusCounts(tests: readonly SelftestResult[]): Map<SelftestStatus, number> {
  const counts = new Map<SelftestStatus, number>();
  for (const test of tests) counts.set(test.status, (counts.get(test.status) ?? 0) + 1);
  return counts;
}

/** "12 pass, 1 expected-fail, ..." for one target. */
export function selftestCounts(tests: readonly SelftestResult[]): string {
  return [...selftestStatusCounts(tests).entries()].map(([status, count]) => `${count} ${status}`).join(', ');
}

/** Subtests by target: PASS/XFAIL/... per kernel, rows where the kernels differ marked. */
export function selftestMatrix(results: RunResults): string {
  const targets = results.targets.filter((target) => target.selftests && target.selftests.tests.length > 0);
  if (targets.length < 2) return '';
  const ids = [...new Set(targets.flatMap((target) => target.selftests!.tests.map((test) => test.id)))];
  const header = ['selftest', ...targets.map((target) => `${target.target.name}${target.selftests!.series ? ` (${target.selftests!.series})` : ''}`), 'differs'];
  const rows = ids.map((id) => {
    const cells = targets.map((target) => {
      const test = target.selftests!.tests.find((entry) => entry.id === id);
      return test ? SELFTEST_SHORT[test.status] : '-';
    });
    const actuals = new Set(targets.map((target) => target.selftests!.tests.find((entry) => entry.id === id)?.actual).filter(Boolean));
    return [id, ...cells, actuals.size > 1 ? 'yes' : ''];
  });
  return formatTable([header, ...rows]);
}
