// Decides whether a verifier case behaved as its annotations expect on a kernel of a given level.
import type { CaseExpectation } from './annotations.js';
import type { Level } from '../results/vocab.js';

export type Verdict = 'accept' | 'reject';

export interface CaseOutcome {
  status: 'pass' | 'fail' | 'skip';
  expected: Verdict;
  actual: Verdict;
  /** Why it failed or was skipped, in one sentence. */
  reason?: string;
  /** The log lines that decided it (the verifier's error and a little context). */
  excerpt?: string;
}

// Trailer the verifier prints after the verdict (7.x adds one "subprog N (name) ..." line per subprogram).
const STATS_LINE = /^(processed \d+ insns|verification time|stack depth|subprog \d+ \()/;

/** Last meaningful lines of a verifier log: the error line sits just before the stats trailer. */
export function logExcerpt(log: string, lines = 6): string {
  const kept = log.split('\n').filter((line) => line.trim() && !STATS_LINE.test(line));
  return kept.slice(-lines).join('\n');
}

// 7.x verifiers add a diagnostic report whose "^-- error: ..." line names the reason in words.
const REPORT_ERROR = /\^-- error: (.*)$/;
// Section headers of that report, which follows the classic log.
const REPORT_HEADER = /^(Suggestion|Causal path|Source context|Instruction context):?$/;

function isReportHeader(line: string): boolean {
  return REPORT_HEADER.test(line.trim());
}

/** The classic verifier log, without the 7.x diagnostic report after it. */
export function classicLog(log: string): string {
  const lines = log.split('\n');
  const reportAt = lines.findIndex(isReportHeader);
  return reportAt < 0 ? log : lines.slice(0, reportAt).join('\n');
}

/** The one line that says why the verifier rejected: the report's error line when there is one, else the last unindented line. */
export function decidingLine(log: string): string {
  const lines = log.split('\n');
  const reported = lines.map((line) => REPORT_ERROR.exec(line)?.[1]).find((text) => text !== undefined);
  if (reported) return reported.trim();
  const plain = lines.filter((line) => line.trim() && !/^\s/.test(line) && !STATS_LINE.test(line) && !isReportHeader(line));
  return plain.at(-1) ?? logExcerpt(log, 1);
}

/** The deciding line first, then the last `lines` lines of `tailOf` (default: the whole log), without repeating it. */
export function failureExcerpt(log: string, options: { tailOf?: string; lines?: number } = {}): string {
  const tail = logExcerpt(options.tailOf ?? log, options.lines);
  const reason = decidingLine(log);
  return reason && !tail.includes(reason) ? `${reason}\n…\n${tail}` : tail;
}

/** Compares what the verifier did with what the case expects at `level`. */
export function judgeCase(expectation: CaseExpectation, level: Level, loaded: boolean, log: string): CaseOutcome {
  const expected: Verdict = expectation.acceptOn.includes(level) ? 'accept' : 'reject';
  const actual: Verdict = loaded ? 'accept' : 'reject';
  const excerpt = failureExcerpt(log);
  if (expectation.needsWalk && level === 'nowalk') {
    return { status: 'skip', expected, actual, reason: 'kernel lacks bpf_rbtree_root/left/right (added in 6.16)' };
  }
  if (expected !== actual) {
    return { status: 'fail', expected, actual, reason: `expected the verifier to ${expected} on a ${level} kernel, it did ${actual === 'accept' ? 'accept' : 'reject'}`, excerpt };
  }
  if (actual === 'reject') {
    const pattern = expectation.messages[level] ?? expectation.messages['*'];
    if (pattern === undefined) {
      return { status: 'fail', expected, actual, reason: `rejected as expected, but the case has no message pattern for level ${level} (add KL_MSG("${level}", ...) or KL_MSG("*", ...))`, excerpt };
    }
    if (!new RegExp(pattern).test(log)) {
      return { status: 'fail', expected, actual, reason: `rejected, but the log does not match /${pattern}/`, excerpt };
    }
    return { status: 'pass', expected, actual, excerpt };
  }
  return { status: 'pass', expected, actual };
}
