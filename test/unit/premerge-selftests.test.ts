// Which tree selftests a series gets, the selftests part of a patch, the veristat-style comparison and its CSV.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { pickSelftests } from '../../harness/cli/premerge.js';
import { parseRunConfig } from '../../harness/config/run-config.js';
import { programMoves, judgePremerge } from '../../harness/premerge/judge.js';
import { premergeMarkdown } from '../../harness/premerge/markdown.js';
import { chooseSelftests } from '../../harness/premerge/selftest-choice.js';
import type { SeriesPatch } from '../../harness/premerge/series-input.js';
import { veristatCsv, VERISTAT_COLUMNS } from '../../harness/report/veristat-csv.js';
import type { RunResults, VeristatRow } from '../../harness/results/model.js';
import { loadSuiteManifest, parseSuiteManifest } from '../../harness/selftests/manifest.js';
import { diffPartUnder } from '../../harness/selftests/overlay.js';
import { kernelPatches } from '../../harness/runner/target-run.js';
import { projectPath } from '../../harness/util/paths.js';

const suite = loadSuiteManifest(projectPath('kselftests', 'suite.yaml'));
const graphSets = ['rbtree*.c', 'local_kptr_stash*.c', 'refcounted_kptr*.c', 'linked_list*.c'];

t.test('the touches: rules of kselftests/suite.yaml pick the files that cover what a series changes', async (t) => {
  const verifier = chooseSelftests(suite, ['kernel/bpf/verifier.c']);
  t.same(verifier.files, graphSets, 'verifier.c: the rbtree, kptr stash, refcounted and linked-list sets');
  t.same(verifier.uncovered, []);
  t.match(verifier.because, [{ path: 'kernel/bpf/verifier.c', rule: /suite\.yaml line \d+/ }]);
  t.same(chooseSelftests(suite, ['kernel/bpf/hashtab.c']).files, ['local_kptr_stash*.c', 'refcounted_kptr*.c'], 'freeing special fields: the stash and refcount sets only');
  const own = chooseSelftests(suite, ['tools/testing/selftests/bpf/progs/rbtree_search_kptr.c', 'mm/slub.c']);
  t.same(own.files, ['rbtree_search_kptr.c'], 'a progs file the series changes is run itself');
  t.same(own.because, [{ path: 'tools/testing/selftests/bpf/progs/rbtree_search_kptr.c', files: ['rbtree_search_kptr.c'], rule: 'changed by the series' }]);
  t.same(own.uncovered, ['mm/slub.c'], 'a changed file no rule names is reported, not dropped');
  t.same(chooseSelftests(suite, ['net/core/filter.c']).files, [], 'nothing covers the networking core here');
  t.same(chooseSelftests(suite, ['tools/testing/selftests/bpf/bpf_experimental.h']).files, graphSets, "the selftests' shared headers: every set");
  t.throws(() => parseSuiteManifest('s.yaml', 'files: [a.c]\ntouches:\n  - paths: []\n    files: [a.c]\n'), { message: /touches.*paths/s }, 'a rule without paths is refused');
});

const patch = (files: string[]): SeriesPatch => ({ index: 1, total: 1, version: 1, title: 't', author: undefined, origin: 'x', text: '', files });
const config = (selftests = '') => parseRunConfig('/cfg/ab.yaml', `name: ab\ntargets:\n  - {kind: local}\n${selftests}`);

t.test('premerge picks: --skip-selftests none, --selftests or the config the suite, else the covering files', async (t) => {
  t.match(pickSelftests(config(), [patch(['kernel/bpf/verifier.c'])], {}), { plan: { files: graphSets }, how: /rbtree\*\.c.*kernel\/bpf\/verifier\.c \(kselftests\/suite\.yaml line \d+\)/ });
  t.match(pickSelftests(config(), [patch(['kernel/bpf/verifier.c'])], { 'skip-selftests': true }), { plan: 'off', how: /--skip-selftests/ });
  t.match(pickSelftests(config(), [patch(['kernel/bpf/verifier.c'])], { selftests: true }), { plan: { files: undefined }, how: /whole suite \(--selftests\)/ });
  t.match(pickSelftests(config('selftests: {enabled: true, files: [linked_list*.c]}\n'), [patch(['kernel/bpf/verifier.c'])], {}), { plan: { files: ['linked_list*.c'] }, how: /selftests: in/ });
  t.match(pickSelftests(config(), [patch(['net/core/filter.c'])], {}), { plan: 'off', how: /no touches: rule/, uncovered: ['net/core/filter.c'] });
});

t.test("a patch's selftests part: only the file sections under tools/testing/selftests/bpf", async (t) => {
  const selftestPatch = readFileSync(projectPath('test', 'fixtures', 'premerge', '0003-selftests-add-first-kptr-xchg-locked.patch'), 'utf8');
  const part = diffPartUnder(selftestPatch, 'tools/testing/selftests/bpf');
  t.match(part, /^diff --git a\/tools\/testing\/selftests\/bpf\/progs\/rbtree_search_kptr\.c/);
  t.match(part, /\+long rbtree_first_kptr_xchg_locked/);
  t.notMatch(part, /^-- $/m, 'the mail signature is not part of the diff');
  t.notMatch(part, /Subject:/, 'nor the mail headers');
  const kernelOnly = readFileSync(projectPath('config', 'patches', 'kptr-nonown', '0001-bpf-allow-kptr_xchg-under-lock.patch'), 'utf8');
  t.equal(diffPartUnder(kernelOnly, 'tools/testing/selftests/bpf'), '', 'a verifier.c-only patch has no selftests part');
  const mixed = `${kernelOnly.split('\n-- \n')[0]}\n${part}`;
  const mixedPart = diffPartUnder(mixed, 'tools/testing/selftests/bpf');
  t.equal(mixedPart, part, 'from a patch touching both, only the selftests section is kept');
  const plain = '--- a/tools/testing/selftests/bpf/progs/x.c\n+++ b/tools/testing/selftests/bpf/progs/x.c\n@@ -1 +1 @@\n-a\n+b\n--- a/kernel/bpf/core.c\n+++ b/kernel/bpf/core.c\n@@ -1 +1 @@\n-c\n+d\n';
  t.equal(diffPartUnder(plain, 'tools/testing/selftests/bpf'), '--- a/tools/testing/selftests/bpf/progs/x.c\n+++ b/tools/testing/selftests/bpf/progs/x.c\n@@ -1 +1 @@\n-a\n+b\n', 'plain diff -u sections too');
});

const row = (program: string, insns: number, states = 10, verdict: VeristatRow['verdict'] = 'success'): VeristatRow => ({ file: 'rbtree.bpf.o', program, verdict, durationUs: 50, insns, states, peakStates: states / 2, maxStatesPerInsn: 1, markRead: 0, progSize: 40 });

t.test('the veristat-style comparison: verdict changes and moves beyond the threshold', async (t) => {
  const before = [row('same', 100), row('small', 100), row('big', 100), row('states', 100, 10), row('flip', 30, 2, 'failure'), row('gone', 5)];
  const after = [row('same', 100), row('small', 104), row('big', 120), row('states', 100, 12), row('flip', 80, 6), row('new', 7)];
  const moves = programMoves(before, after, 5);
  t.same(moves.map((move) => move.id), ['rbtree.bpf.o/big', 'rbtree.bpf.o/states', 'rbtree.bpf.o/flip'], '4 % is under 5 %; states +20 % and a verdict flip count; new and gone programs are not moves');
  t.match(moves[0], { insnsFrom: 100, insnsTo: 120, insnsPercent: 20 });
  t.match(moves[2], { verdictFrom: 'failure', verdictTo: 'success' });
  t.same(programMoves(before, after, 25).map((move) => move.id), ['rbtree.bpf.o/flip'], 'a higher threshold keeps only the verdict flip');
  t.same(programMoves([row('zero', 0, 0, 'failure')], [row('zero', 9, 1, 'failure')], 5).map((move) => move.insnsPercent), [null], 'from 0 instructions: a move with no percentage');

  const target = (name: string, veristat: VeristatRow[]) => ({ target: { name }, cases: [], compileErrors: [], errors: [], selftests: { tests: [], veristat } });
  const results = { targets: [target('base', before), target('+1', before), target('+1,2', after)] } as unknown as RunResults;
  const steps = [{ target: 'base', patches: [] }, { target: '+1', patches: [1] }, { target: '+1,2', patches: [1, 2] }];
  const judged = judgePremerge(results, steps, 5);
  t.same(judged.steps.map((step) => step.programs.length), [0, 3], 'attributed to the step that moved them');
  t.same(judged.overall.map((move) => move.id), moves.map((move) => move.id), 'base → final');
  t.same(judged.regressions, [], 'program moves alone are never regressions (the selftests judge verdicts)');
  const markdown = premergeMarkdown({ patches: [], notes: [] }, judged, { base: 'b', runDir: '/r', arch: 'x86_64', selftests: { how: 'rbtree*.c, for kernel/bpf/verifier.c', uncovered: ['mm/slub.c'] }, veristatFiles: ['veristat-base.csv', 'veristat-final.csv'] });
  t.match(markdown, /- tree selftests: rbtree\*\.c, for kernel\/bpf\/verifier\.c\n- changed files no selected selftest covers: `mm\/slub\.c`/);
  t.match(markdown, /### Tree selftest programs, base → final \(veristat-style pass\)\n\n3 program\(s\)/);
  t.match(markdown, /\| rbtree\.bpf\.o\/big \| success \| 100 \| 120 \| \+20\.0 % \| 10 → 10 \| 5 → 5 \|/);
  t.match(markdown, /\| rbtree\.bpf\.o\/flip \| failure → success \| 30 \| 80 \| \+166\.7 % \| 2 → 6 \|/);
  t.match(markdown, /`veristat-base\.csv`, `veristat-final\.csv`/);
});

t.test("the CSV: veristat's columns, sorted rows; a name veristat cannot read back is refused", async (t) => {
  const csv = veristatCsv([row('zeta', 9), { ...row('alpha', 12, 4, 'failure'), file: 'linked_list.bpf.o' }]);
  const [header, ...lines] = csv.trimEnd().split('\n');
  t.equal(header, VERISTAT_COLUMNS.join(','));
  t.same(lines, ['linked_list.bpf.o,alpha,failure,50,12,4,2,1,0,40', 'rbtree.bpf.o,zeta,success,50,9,10,5,1,0,40']);
  t.throws(() => veristatCsv([row('a,b', 1)]), /holds a comma/);
});

t.test("a built kernel's selftests come from its own tree only when they share its source", async (t) => {
  const text = (selftests: string) => `name: ab
kernels:
  source: {kind: debian, package: linux-source-7.3, suite: trixie-backports}
  series: {dir: /series, patches: [a.patch, b.patch]}
  variants:
    base: {reverse: [a.patch, b.patch]}
    extra: {apply: [/p/new-test.patch]}
targets:
  - {name: base, kind: qemu, arch: x86_64, kernel: {variant: base}}
  - {name: extra, kind: qemu, arch: arm64, kernel: {variant: extra}}
  - {kind: local}
${selftests}`;
  const same = parseRunConfig('/cfg/ab.yaml', text(''));
  t.same(kernelPatches(same, same.targets[0]!), [{ patch: '/series/b.patch', reverse: true }, { patch: '/series/a.patch', reverse: true }], 'base: the series reversed, last patch first');
  t.same(kernelPatches(same, same.targets[1]!), [{ patch: '/p/new-test.patch', reverse: false }], 'the arm64 kernel has the same patches');
  t.equal(kernelPatches(same, same.targets[2]!), undefined, 'the local kernel was not built here');
  const other = parseRunConfig('/cfg/ab.yaml', text('selftests: {source: {kind: dir, path: /src/other}}\n'));
  t.equal(kernelPatches(other, other.targets[0]!), undefined, 'selftests from another tree: its own tests, unpatched');
});
