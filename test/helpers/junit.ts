// A real JUnit consumer for tests: test/helpers/junit_summary.py reads a file with Debian's python3-junitparser,
// checks its counts against its test cases and returns what a CI view would show.
import { execa } from 'execa';
import { projectPath } from '../../harness/util/paths.js';

// Debian's interpreter, where python3-junitparser installs (a python3 earlier on PATH may be another one).
const PYTHON = '/usr/bin/python3';
const SCRIPT = projectPath('test', 'helpers', 'junit_summary.py');

export interface JunitCase {
  classname: string;
  name: string;
  outcome: 'passed' | 'failure' | 'error' | 'skipped';
  message: string | null;
  systemOut: string | null;
}

export interface JunitCounts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

export interface JunitSummary {
  name: string;
  totals: JunitCounts;
  suites: Array<JunitCounts & { name: string; classnames: string[]; cases: JunitCase[] }>;
  failed: Array<{ suite: string; classname: string; name: string; kind: 'failure' | 'error'; message: string | null; text: string }>;
}

/** The consumer's reading of the file; rejects with junitparser's or the count check's complaint. */
export async function readJunit(path: string): Promise<JunitSummary> {
  const result = await execa(PYTHON, [SCRIPT, path], { reject: false });
  if (result.exitCode !== 0) throw new Error(`junit_summary.py exit ${result.exitCode}: ${result.stderr.trim()}`);
  return JSON.parse(result.stdout) as JunitSummary;
}
