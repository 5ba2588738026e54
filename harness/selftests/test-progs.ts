// The tree's own test_progs, built for the selected tests only, run on the target; its verdicts parsed for comparison.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findClang } from '../bpf/toolchain.js';
import { ARCH_NAMES } from '../util/arch.js';
import { cached, entryPath, type CacheKind } from '../util/cached.js';
import { runChild } from '../util/child.js';
import { hashFile, hashParts } from '../util/hash.js';
import { SELFTESTS_DIR, type SelftestFile } from './tree.js';

/** Pruned source copies: selftests/test_progs-<selection key>/src, .complete written last. */
export const testProgsSources: CacheKind = { name: 'selftests/test_progs-src', dir: 'selftests', depth: 2, match: /^test_progs-[0-9a-f]{16}\/src$/, expect: ['.complete'] };

/** Builds against one kernel's BTF: test_progs-<key>/build-<BTF key>; a failed build stays too (.failed), so it is not retried. */
export const testProgsBuilds: CacheKind = {
  name: 'selftests/test_progs-build',
  dir: 'selftests',
  depth: 2,
  match: /^test_progs-[0-9a-f]{16}\/build-[0-9a-f]{16}$/,
  verify: async (path) => (existsSync(join(path, '.complete')) || existsSync(join(path, '.failed')) ? undefined : 'neither .complete nor .failed'),
};

// Parts of the tree the selftests Makefile reads (disasm.[ch] in selftests/bpf are symlinks into kernel/bpf).
const TREE_PARTS = ['tools', 'scripts', 'include', 'Makefile', join('arch', ARCH_NAMES.x86_64.kernelSrc), join('kernel', 'bpf')];

/** What test_progs said about one subtest ("test/subtest") or test. */
export type TestProgsVerdict = 'OK' | 'FAIL' | 'SKIP';

export type TestProgsBuild = { ok: true; binary: string; dir: string; tests: string[] } | { ok: false; reason: string; log?: string };

/** prog_tests/*.c files that include a selected file's skeleton, and every skeleton they include. */
export function progTestsFor(progTests: ReadonlyMap<string, string>, stems: ReadonlySet<string>): { files: string[]; stems: Set<string> } {
  const files: string[] = [];
  const needed = new Set(stems);
  for (const [file, text] of progTests) {
    const skeletons = [...text.matchAll(/#include\s+"([\w-]+)\.skel\.h"/g)].map((match) => match[1]!);
    if (!skeletons.some((stem) => stems.has(stem))) continue;
    files.push(file);
    for (const stem of skeletons) needed.add(stem);
  }
  return { files: files.sort(), stems: needed };
}

/** Result lines of test_progs (non-verbose): "#12/3    test/sub:OK", "#12      test:FAIL", "#4 test:SKIP". */
export function parseTestProgsOutput(text: string): Map<string, TestProgsVerdict> {
  const verdicts = new Map<string, TestProgsVerdict>();
  for (const line of text.split('\n')) {
    const match = /^#\d+(?:\/\d+)?\s+(.+?):(OK|FAIL|SKIP)\b/.exec(line);
    if (match) verdicts.set(match[1]!, match[2] as TestProgsVerdict);
  }
  return verdicts;
}

// A pruned copy of the tree: only the selected progs and the prog_tests that use them, so the build is a minute.
async function prunedSource(tree: string, treeId: string, files: readonly SelftestFile[]): Promise<{ dir: string; tests: string[] }> {
  const selftests = join(tree, SELFTESTS_DIR);
  const progTests = new Map(
    readdirSync(join(selftests, 'prog_tests'))
      .filter((name) => name.endsWith('.c'))
      .map((name) => [name, readFileSync(join(selftests, 'prog_tests', name), 'utf8')] as const),
  );
  const kept = progTestsFor(progTests, new Set(files.map((file) => file.stem)));
  const dir = entryPath(testProgsSources, join(`test_progs-${hashParts([treeId, ...kept.files, ...[...kept.stems].sort()]).slice(0, 16)}`, 'src'));
  const tests = [...new Set(kept.files.flatMap((file) => [...progTests.get(file)!.matchAll(/^void (?:serial_)?test_(\w+)\s*\(void\)/gm)].map((match) => match[1]!)))].sort();
  await cached(testProgsSources, dir, async (scratch) => {
    for (const part of TREE_PARTS) {
      await mkdir(join(scratch, part, '..'), { recursive: true });
      await runChild('cp', ['-a', join(tree, part), join(scratch, part)], { stage: `copy ${part} for test_progs` });
    }
    const copy = join(scratch, SELFTESTS_DIR);
    for (const name of readdirSync(join(copy, 'progs')).filter((file) => file.endsWith('.c'))) if (!kept.stems.has(name.slice(0, -2))) await unlink(join(copy, 'progs', name));
    for (const name of readdirSync(join(copy, 'prog_tests')).filter((file) => file.endsWith('.c'))) if (!kept.files.includes(name)) await unlink(join(copy, 'prog_tests', name));
    await writeFile(join(scratch, '.complete'), `${kept.files.join(' ')}\n`);
  });
  return { dir, tests };
}

/** make variables that keep the build to test_progs itself (no kernel module, no extra binaries or light skeletons). */
export function testProgsMakeArgs(output: string, vmlinux: string, llvmBin: string): string[] {
  return [
    'test_progs', '-j2', `OUTPUT=${output}`, `VMLINUX_BTF=${vmlinux}`,
    `CLANG=${join(llvmBin, 'clang')}`, `LLC=${join(llvmBin, 'llc')}`, `LLVM_STRIP=${join(llvmBin, 'llvm-strip')}`,
    'SKIP_DOCS=1', 'TEST_KMODS=', 'TRUNNER_EXTRA_FILES=', 'LSKELS=', 'LSKELS_SIGNED=', 'LSKELS_EXTRA=', 'LINKED_SKELS=',
    // libarena's own rules pass no -mcpu and clang 19's default (v1) cannot compile its atomics.
    'BPF_TARGET_ENDIAN=--target=bpfel -mcpu=v4',
  ];
}

/** Builds test_progs against one kernel's BTF (its vmlinux.h), cached per tree, selection and BTF. */
export async function buildTestProgs(tree: string, treeId: string, files: readonly SelftestFile[], btfPath: string, arch: string, onStage: (text: string) => void): Promise<TestProgsBuild> {
  if (arch !== 'x86_64') return { ok: false, reason: `built for this machine (x86_64) only; ${arch} needs a cross-built user space for test_progs, not set up` };
  const clang = await findClang();
  const llvmBin = `/usr/lib/llvm-${clang.major}/bin`;
  if (!existsSync(join(llvmBin, 'llc'))) return { ok: false, reason: `no llc in ${llvmBin} (install llvm-${clang.major})` };
  onStage('test_progs: pruned source copy');
  const source = await prunedSource(tree, treeId, files);
  const output = join(source.dir, '..', `build-${(await hashFile(btfPath)).slice(0, 16)}`);
  const entry = await cached(testProgsBuilds, output, async (build) => {
    onStage('test_progs: build (about a minute)');
    const result = await runChild('make', ['-C', join(source.dir, SELFTESTS_DIR), ...testProgsMakeArgs(build, btfPath, llvmBin)], {
      stage: 'test_progs build',
      env: { PATH: `${llvmBin}:${process.env.PATH ?? ''}` },
      allowFailure: true,
      timeoutMs: 30 * 60_000,
    });
    await writeFile(join(build, 'build.log'), result.stdout + result.stderr);
    if (result.exitCode === 0 && existsSync(join(build, 'test_progs'))) {
      await writeFile(join(build, '.complete'), `${new Date().toISOString()}\n`);
      return;
    }
    const lines = (result.stdout + result.stderr).split('\n');
    // A compiler's "file:line:col: error: ..." first, else make's own "*** ..." line.
    const first = lines.find((line) => /:\d+:\d+: error: /.test(line)) ?? lines.find((line) => / \*\*\* /.test(line)) ?? `make exited with ${result.exitCode}`;
    // The failure is the entry: the same tree and BTF fail the same way, and each try costs a minute.
    await writeFile(join(build, '.failed'), `the tree's test_progs did not build here: ${first.trim()}\n`);
  }, { lockWaitMs: 30 * 60_000 });
  const failed = join(output, '.failed');
  if (existsSync(failed)) {
    const remembered = entry.hit ? ` (remembered; delete ${output} to try again)` : '';
    return { ok: false, reason: `${readFileSync(failed, 'utf8').trim()}${remembered}`, log: join(output, 'build.log') };
  }
  return { ok: true, binary: join(output, 'test_progs'), dir: output, tests: source.tests };
}

export interface Comparable {
  id: string;
  file: string;
  program: string | null;
  description?: string;
  status: string;
  list?: { action: string; expired: boolean };
}

/** Our runner's outcome in test_progs terms: did the tree's expectation hold (OK), fail (FAIL), or not run (SKIP)? */
export function ourVerdict(status: string): TestProgsVerdict {
  if (status === 'pass' || status === 'unexpected-pass') return 'OK';
  if (status === 'skip') return 'SKIP';
  return 'FAIL';
}

/**
 * The test_progs line that judged the same thing: "<test>/<subtest>" for RUN_TESTS files, else the one
 * subtest named after the program (or its description). A whole-object load matches the subtest named after
 * the file, else the test of that name as a whole (all its subtests). Undefined: no counterpart.
 */
export function counterpart(result: Comparable, testProgsName: string | undefined, verdicts: ReadonlyMap<string, TestProgsVerdict>): string | undefined {
  const keys = [...verdicts.keys()];
  const subtestOf = (key: string) => (key.includes('/') ? key.slice(key.indexOf('/') + 1) : undefined);
  if (!result.program) {
    const named = keys.filter((key) => subtestOf(key) === result.file);
    if (named.length === 1) return named[0];
    return verdicts.has(result.file) ? result.file : undefined;
  }
  // The subtest part of our id is test_loader's subtest name ("prog" or "prog @unpriv").
  const subtest = result.id.slice(result.id.indexOf('/') + 1);
  const names = [subtest, result.description].filter((name): name is string => Boolean(name));
  if (testProgsName) {
    for (const name of names) if (verdicts.has(`${testProgsName}/${name}`)) return `${testProgsName}/${name}`;
  }
  const matches = keys.filter((key) => names.includes(subtestOf(key) ?? ''));
  return matches.length === 1 ? matches[0] : undefined;
}
