// The selftest views: one row per subtest as it arrives, and per-target counts plus a cross-kernel table at the end.
import type { RunResults, SelftestResult } from '../results/model.js';
import type { SelftestStatus } from '../results/vocab.js';
import { formatTable } from './format.js';

const SHORT: Record<SelftestStatus, string> = {
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
  return `    ${result.id.padEnd(58)} ${result.expected.padEnd(7)} ${result.actual.padEnd(8)} ${SHORT[result.status]}${compared}`;
}

/** "12 pass, 1 expected-fail, ..." for one target. */
export function selftestCounts(tests: readonly SelftestResult[]): string {
  const counts = new Map<string, number>();
  for (const test of tests) counts.set(test.status, (counts.get(test.status) ?? 0) + 1);
  return [...counts.entries()].map(([status, count]) => `${count} ${status}`).join(', ');
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
      return test ? SHORT[test.status] : '-';
    });
    const actuals = new Set(targets.map((target) => target.selftests!.tests.find((entry) => entry.id === id)?.actual).filter(Boolean));
    return [id, ...cells, actuals.size > 1 ? 'yes' : ''];
  });
  return formatTable([header, ...rows]);
}
