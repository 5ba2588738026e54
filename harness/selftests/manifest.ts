// kselftests/suite.yaml (which tree tests run, how skeleton-style files are judged, what needs the series)
// and kselftests/lists.yaml (deny/allow entries, each with a reason and an expiry date).
import { readFileSync } from 'node:fs';
import { Cursor } from '../util/yaml-cursor.js';
import { LEVELS, type Level } from '../results/vocab.js';
import { ExitCode, KptrlabError } from '../util/errors.js';

/** How the tree's prog_tests judge a file that is not run through RUN_TESTS(). */
export type SkeletonRule =
  /** The whole object (its own autoload programs) must load: name__open_and_load() + ASSERT_OK_PTR. */
  | 'load'
  /** The whole object must be refused: ASSERT_ERR_PTR(name__open_and_load()). */
  | 'refuse'
  /** Every program, loaded alone, must be rejected (linked_list_fail's table). */
  | 'each-rejected';

export interface SkeletonEntry {
  rule: SkeletonRule;
  /** Where the tree says so (prog_tests file and function), shown with the verdict. */
  from: string;
}

export interface Requirement {
  /** Test id glob: "<file stem>/<program>". */
  test: string;
  level: Level;
  reason: string;
}

export interface SuiteManifest {
  file: string;
  /** Globs of progs/*.c file names. */
  files: string[];
  skeletons: Record<string, SkeletonEntry>;
  requires: Requirement[];
  /** Which selftest files cover which kernel files: premerge runs the files whose paths a series touches. */
  touches: TouchRule[];
}

/** Kernel source paths (globs, from the tree's root) and the progs/ file globs that test them. */
export interface TouchRule {
  paths: string[];
  files: string[];
  line: number;
}

export interface ListEntry {
  test: string;
  /** Target names the entry applies to; empty means every target. */
  targets: string[];
  reason: string;
  /** YYYY-MM-DD; from that day on the entry no longer applies. */
  expires: string;
  line: number;
}

export interface TestLists {
  file: string;
  /** Not run at all. */
  deny: ListEntry[];
  /** Run; a failure is reported as allowed instead of failing the run. */
  allow: ListEntry[];
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new KptrlabError('CONFIG_NOT_FOUND', `cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
      hint: `Check selftests.${what === 'selftest suite' ? 'suite' : 'lists'} in the config (relative to the project root).`,
      exitCode: ExitCode.usage,
    });
  }
}

export function loadSuiteManifest(path: string): SuiteManifest {
  return parseSuiteManifest(path, readText(path, 'selftest suite'));
}

export function loadTestLists(path: string): TestLists {
  return parseTestLists(path, readText(path, 'selftest lists'));
}

export function parseSuiteManifest(file: string, text: string): SuiteManifest {
  const root = Cursor.root(file, text);
  root.keys(['files', 'skeletons', 'requires', 'touches']);
  const files = root.at('files').stringList();
  if (files.length === 0) root.at('files').fail('at least one progs/ file glob', 'Add e.g. "files: [rbtree*.c]".');
  const skeletons: Record<string, SkeletonEntry> = {};
  for (const [stem, entry] of root.at('skeletons').entries()) {
    entry.keys(['rule', 'from']);
    skeletons[stem] = { rule: entry.at('rule').oneOf(['load', 'refuse', 'each-rejected'] as const), from: entry.at('from').string() };
  }
  const requires = root.at('requires').isMissing()
    ? []
    : root.at('requires').list().map((item) => {
        item.keys(['test', 'level', 'reason']);
        return { test: item.at('test').string(), level: item.at('level').oneOf(LEVELS), reason: item.at('reason').string() };
      });
  const touches = root.at('touches').isMissing()
    ? []
    : root.at('touches').list().map((item) => {
        item.keys(['paths', 'files']);
        const rule = { paths: item.at('paths').stringList(), files: item.at('files').stringList(), line: item.line() };
        if (!rule.paths.length) item.at('paths').fail('at least one kernel source path glob', 'e.g. "paths: [kernel/bpf/verifier.c]".');
        if (!rule.files.length) item.at('files').fail('at least one progs/ file glob', 'e.g. "files: [rbtree*.c]".');
        return rule;
      });
  return { file, files, skeletons, requires, touches };
}

export function parseTestLists(file: string, text: string): TestLists {
  const root = Cursor.root(file, text);
  root.keys(['deny', 'allow']);
  const entries = (cursor: Cursor): ListEntry[] =>
    cursor.isMissing()
      ? []
      : cursor.list().map((item) => {
          item.keys(['test', 'targets', 'reason', 'expires']);
          const reason = item.at('reason').string();
          if (reason.trim().length < 10) item.at('reason').fail('a reason a reader can act on (at least 10 characters)', 'Say why the test is listed, e.g. the failing message and the upstream thread.');
          const expires = item.at('expires').string();
          if (!/^\d{4}-\d{2}-\d{2}$/.test(expires) || Number.isNaN(Date.parse(`${expires}T00:00:00Z`))) item.at('expires').fail('a date YYYY-MM-DD', 'Write the day the entry must be looked at again, e.g. "2027-03-01".');
          return { test: item.at('test').string(), targets: item.at('targets').stringList({ default: [] }), reason, expires, line: item.line() };
        });
  return { file, deny: entries(root.at('deny')), allow: entries(root.at('allow')) };
}

/** Glob with "*" and "?" (the only wildcards test ids and file names use here). */
export function globMatch(glob: string, text: string): boolean {
  const source = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`).test(text);
}

export interface ListMatch {
  action: 'deny' | 'allow';
  entry: ListEntry;
  expired: boolean;
}

/** The first deny, then allow, entry for a test on a target; an expired entry is returned flagged and no longer applies. */
export function listMatch(lists: TestLists, testId: string, target: string, today: string): ListMatch | undefined {
  for (const action of ['deny', 'allow'] as const) {
    const entry = lists[action].find((candidate) => globMatch(candidate.test, testId) && (candidate.targets.length === 0 || candidate.targets.includes(target)));
    if (entry) return { action, entry, expired: entry.expires <= today };
  }
  return undefined;
}

/** The highest level any requirement matching the test asks for, with its reason. */
export function requirementFor(manifest: SuiteManifest, testId: string): Requirement | undefined {
  const matching = manifest.requires.filter((requirement) => globMatch(requirement.test, testId));
  return matching.sort((a, b) => LEVELS.indexOf(b.level) - LEVELS.indexOf(a.level))[0];
}
