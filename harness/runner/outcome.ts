// The written exit-code contract: tests failed (1) is told apart from infrastructure unavailable (69).
import type { RunResults, RunStatus } from '../results/model.js';
import { FAILING } from '../results/vocab.js';
import { ExitCode, type ExitCodeValue } from '../util/errors.js';

/** Status and exit code of a finished run. */
export function runOutcome(results: RunResults, infrastructureFailed: boolean): { status: RunStatus; exitCode: ExitCodeValue } {
  if (infrastructureFailed) return { status: 'error', exitCode: ExitCode.unavailable };
  const failed = results.targets.some(
    (target) =>
      target.cases.some((entry) => entry.status === 'fail' || entry.status === 'error') ||
      target.compileErrors.length > 0 ||
      (target.selftests?.tests.some((test) => FAILING.has(test.status) || test.testProgs?.agrees === false) ?? false) ||
      target.errors.length > 0 ||
      (target.bench !== undefined && (target.bench.errors.length > 0 || target.bench.integrity.some((entry) => !entry.ok))),
  );
  return failed ? { status: 'failed', exitCode: ExitCode.testsFailed } : { status: 'passed', exitCode: ExitCode.ok };
}
