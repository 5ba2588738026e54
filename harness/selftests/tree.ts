// The kernel tree's BPF selftests: which progs/ files are selected and how the tree's prog_tests run each one.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode, KptrlabError } from '../util/errors.js';
import { globMatch, type SkeletonEntry, type SuiteManifest } from './manifest.js';

export const SELFTESTS_DIR = join('tools', 'testing', 'selftests', 'bpf');

/** One selected progs/*.c file and the runner that judges it. */
export interface SelftestFile {
  /** progs/<stem>.c */
  stem: string;
  source: string;
  /** RUN_TESTS(stem) in prog_tests: the annotations decide; else the manifest's skeleton rule. */
  runner: { kind: 'annotations'; testProgsName: string } | { kind: 'skeleton'; entry: SkeletonEntry };
}

/** The tree's selftests folder, or a clear error when the tree has none. */
export function selftestsDir(tree: string): string {
  const dir = join(tree, SELFTESTS_DIR);
  if (!existsSync(join(dir, 'progs'))) {
    throw new KptrlabError('SELFTESTS_MISSING', `no BPF selftests in ${dir}`, { hint: 'Use a full kernel source tree (Debian linux-source ships tools/testing/selftests/bpf).' });
  }
  return dir;
}

/** test_progs names of RUN_TESTS(stem) calls: "[static] void test_<name>(void) { ... RUN_TESTS(<stem>); }". */
export function runTestsCalls(progTestsSources: readonly string[]): Map<string, string> {
  const calls = new Map<string, string>();
  for (const text of progTestsSources) {
    const functions = text.split(/^(?:static\s+)?void\s+test_/m).slice(1);
    for (const body of functions) {
      const name = /^(\w+)\s*\(/.exec(body)?.[1];
      if (!name) continue;
      for (const match of body.matchAll(/\bRUN_TESTS\((\w+)\)/g)) if (!calls.has(match[1]!)) calls.set(match[1]!, name);
    }
  }
  return calls;
}

/** Selected files, sorted; a file with neither RUN_TESTS() nor a manifest rule is a manifest error, not a silent drop. */
export function selectFiles(dir: string, manifest: SuiteManifest): SelftestFile[] {
  const progs = readdirSync(join(dir, 'progs')).filter((name) => name.endsWith('.c')).sort();
  const progTests = readdirSync(join(dir, 'prog_tests'))
    .filter((name) => name.endsWith('.c'))
    .map((name) => readFileSync(join(dir, 'prog_tests', name), 'utf8'));
  const calls = runTestsCalls(progTests);
  const selected = progs.filter((name) => manifest.files.some((glob) => globMatch(glob, name)));
  if (selected.length === 0) {
    throw new KptrlabError('SELFTESTS_NONE_SELECTED', `${manifest.file}: files ${manifest.files.join(', ')} match nothing in ${join(dir, 'progs')}`, {
      hint: 'Fix the globs under files: (e.g. rbtree*.c).',
      exitCode: ExitCode.usage,
    });
  }
  return selected.map((name) => {
    const stem = name.slice(0, -2);
    const source = join(dir, 'progs', name);
    const testProgsName = calls.get(stem);
    if (testProgsName) return { stem, source, runner: { kind: 'annotations', testProgsName } };
    const entry = manifest.skeletons[stem];
    if (!entry) {
      throw new KptrlabError('SELFTESTS_NO_RULE', `${manifest.file}: progs/${name} is selected but no prog_tests file runs it with RUN_TESTS() and skeletons: has no rule for "${stem}"`, {
        hint: `Read how prog_tests/ loads ${stem}.skel.h and add "skeletons: {${stem}: {rule: load|refuse|each-rejected, from: prog_tests/<file>.c <function>}}", or narrow files:.`,
        exitCode: ExitCode.usage,
      });
    }
    return { stem, source, runner: { kind: 'skeleton', entry } };
  });
}
