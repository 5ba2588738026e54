// Pre-merge plan and judgement: a kernel per prefix of the series; what flipped at which patch; what is a regression.
import t from 'tap';
import { parseRunConfig } from '../../harness/config/run-config.js';
import { parseTree, premergeMachine } from '../../harness/cli/premerge.js';
import { parseInventoryFile } from '../../harness/config/machines.js';
import { judgePremerge } from '../../harness/premerge/judge.js';
import { premergeMarkdown } from '../../harness/premerge/markdown.js';
import { premergePlan, type PremergeStep } from '../../harness/premerge/plan.js';
import type { SeriesPatch } from '../../harness/premerge/series-input.js';
import type { CaseResult, RunResults, SelftestResult, TargetResult } from '../../harness/results/model.js';

const patch = (index: number, total = 4): SeriesPatch => ({ index, total, version: 1, title: `bpf: change ${index}`, author: undefined, origin: `s.mbox:${index}`, text: '', files: ['kernel/bpf/verifier.c'] });
const config = () => parseRunConfig('/cfg/ab.yaml', `kernels:
  source: {kind: debian, package: linux-source-7.3, suite: trixie-backports}
  series: {dir: /series, patches: [a.patch, b.patch]}
  variants:
    base: {reverse: [a.patch, b.patch], description: before the series}
    patched: {}
name: ab
targets:
  - {kind: local}
`);

t.test('the plan: base, then base + each prefix (numbers as sent), or only the whole series', async (t) => {
  const patches = [patch(1), patch(2), patch(4)];
  const { config: run, steps } = premergePlan(config(), patches, ['/p/1.patch', '/p/2.patch', '/p/4.patch'], { baseVariant: 'base', onlyFinal: false, arch: 'x86_64', bench: false, selftests: { files: ['rbtree*.c'] } });
  t.same(steps.map((step) => [step.target, step.patches, step.adds?.index]), [['base', [], undefined], ['+1', [1], 1], ['+1,2', [1, 2], 2], ['+1,2,4', [1, 2, 4], 4]]);
  t.same(run.targets.map((target) => [target.name, target.kind, 'kernel' in target && target.kernel]), [['base', 'qemu', { variant: 'premerge-base' }], ['+1', 'qemu', { variant: 'premerge-1' }], ['+1,2', 'qemu', { variant: 'premerge-2' }], ['+1,2,4', 'qemu', { variant: 'premerge-3' }]]);
  const last = run.kernels!.variants.find((variant) => variant.name === 'premerge-3')!;
  t.same(last.reverse, ['a.patch', 'b.patch'], 'every kernel starts from the base tree');
  t.same(last.apply, ['/p/1.patch', '/p/2.patch', '/p/4.patch']);
  t.equal(run.bench.enabled, false);
  t.equal(run.selftests.testProgs, false, 'selftests are judged by annotations, without a test_progs build per kernel');
  t.match(run.selftests, { enabled: true, files: ['rbtree*.c'], veristat: true, source: { kind: 'debian', package: 'linux-source-7.3' } }, 'the chosen files, with the veristat-style pass, from the base tree');
  const final = premergePlan(config(), patches, ['/p/1.patch', '/p/2.patch', '/p/4.patch'], { baseVariant: 'base', onlyFinal: true, arch: 'x86_64', bench: true, tree: { kind: 'dir', path: '/src/linux' }, selftests: 'off' });
  t.equal(final.config.selftests.enabled, false, 'selftests off');
  t.same(final.steps.map((step) => [step.target, step.adds]), [['base', undefined], ['+1,2,4', undefined]]);
  t.same(final.config.kernels!.source, { kind: 'dir', path: '/src/linux' }, '--tree replaces the source');
  const tree = premergePlan(config(), patches, ['/p/1.patch'], { baseVariant: 'base', onlyFinal: true, arch: 'x86_64', bench: false, tree: { kind: 'dir', path: '/src/linux' }, selftests: { files: undefined } });
  t.same(tree.config.selftests.source, { kind: 'dir', path: '/src/linux' }, '--tree is where the selftests come from too');
  t.throws(() => premergePlan(config(), patches, [], { baseVariant: 'nope', onlyFinal: false, arch: 'x86_64', bench: false, selftests: 'off' }), { code: 'PREMERGE_NO_BASE', hint: /base, patched/ });
});

t.test('--tree: folder, debian package, git url; anything else is refused with examples', async (t) => {
  t.same(parseTree('debian:linux-source-7.3@trixie-backports'), { kind: 'debian', package: 'linux-source-7.3', suite: 'trixie-backports' });
  t.same(parseTree('https://example.org/bpf-next.git@master'), { kind: 'git', url: 'https://example.org/bpf-next.git', ref: 'master' });
  t.same(parseTree('/'), { kind: 'dir', path: '/' });
  t.throws(() => parseTree('not-a-tree'), { code: 'USAGE', hint: /--tree ~\/linux/ });
});

const caseResult = (id: string, actual: 'accept' | 'reject', status: CaseResult['status'], insns = 100): CaseResult => ({
  id, source: `${id}.bpf.c`, description: '', level: 'full', expected: actual, actual, status,
  stats: { insnsProcessed: insns, maxStatesPerInsn: 1, totalStates: insns / 10, peakStates: 1, markRead: 0, verificationTimeUs: 10 },
});
const selftest = (id: string, actual: SelftestResult['actual'], status: SelftestResult['status']): SelftestResult => ({ id, file: 'rbtree.c', program: id, mode: 'priv', runner: 'annotations', expected: 'success', actual, status });
const target = (name: string, cases: CaseResult[], tests: SelftestResult[] = [], errors: TargetResult['errors'] = []): TargetResult => ({
  target: { name, kind: 'qemu', accelerator: 'tcg', timeUnit: 'icount-ns', kernelRelease: '7.3.4', arch: 'x86_64' },
  cases, compileErrors: [], errors, selftests: { tests } as unknown as TargetResult['selftests'],
});

t.test('the judgement: flips attributed to the patch that made them; regressions are what now fails', async (t) => {
  const steps: PremergeStep[] = [{ target: 'base', patches: [] }, { target: '+1', patches: [1], adds: patch(1) }, { target: '+1,2', patches: [1, 2], adds: patch(2) }];
  const results = {
    targets: [
      target('base', [caseResult('fast_plain', 'reject', 'pass'), caseResult('owning_locked', 'reject', 'pass'), caseResult('walk', 'accept', 'pass', 100), caseResult('stays_bad', 'reject', 'fail')], [selftest('rbtree_search_kptr', 'rejected', 'expected-fail'), selftest('no_lock', 'rejected', 'fail')]),
      target('+1', [caseResult('fast_plain', 'reject', 'pass'), caseResult('owning_locked', 'accept', 'pass'), caseResult('walk', 'accept', 'pass', 104), caseResult('stays_bad', 'accept', 'fail')], [selftest('rbtree_search_kptr', 'rejected', 'expected-fail'), selftest('no_lock', 'rejected', 'fail')]),
      target('+1,2', [caseResult('fast_plain', 'accept', 'pass'), caseResult('owning_locked', 'accept', 'fail'), caseResult('walk', 'accept', 'pass', 150)], [selftest('rbtree_search_kptr', 'loaded', 'pass'), selftest('no_lock', 'rejected', 'pass')], [{ stage: 'splat', code: 'KERNEL_SPLAT', message: 'kernel WARNING during verify' }]),
    ],
  } as unknown as RunResults;
  const judged = judgePremerge(results, steps, 5);
  const [first, second] = judged.steps;
  t.same(first!.verdicts.map((flip) => [flip.id, flip.from, flip.to, flip.regression]), [['owning_locked', 'reject', 'accept', false], ['stays_bad', 'reject', 'accept', false]], 'patch 1 flips owning_locked, and stays_bad, which failed before it too: not its regression');
  t.same(first!.costs, [], 'a 4 % move is under the 5 % threshold');
  t.same(second!.verdicts.map((flip) => [flip.id, flip.from, flip.to, flip.status, flip.regression]), [['fast_plain', 'reject', 'accept', 'pass', false], ['owning_locked', 'accept, pass', 'accept', 'fail', true]], 'patch 2 flips fast_plain; owning_locked now fails its expectation');
  t.same(second!.selftests.map((flip) => [flip.id, flip.from, flip.to, flip.status]), [['rbtree_search_kptr', 'rejected', 'loaded', 'pass'], ['no_lock', 'rejected, fail', 'rejected', 'pass']], 'a status flip with the same outcome (the expected message now matches) is listed too');
  t.match(second!.costs, [{ id: 'walk', insnsFrom: 104, insnsTo: 150 }]);
  t.same(judged.regressions, ['patch 2: owning_locked accept, pass → accept (fail)', 'patch 2: KERNEL_SPLAT: kernel WARNING during verify']);
  const markdown = premergeMarkdown({ patches: [patch(1), patch(2)], notes: ['patch 3/4 is not in the input'] }, judged, { base: 'base of ab.yaml', runDir: '/r', arch: 'x86_64' });
  t.match(markdown, /^## kptrlab pre-merge: \*\*2 regression\(s\)\*\*/);
  t.match(markdown, /### Patch 1\/4: bpf: change 1\n\nCompared with `base`\.\n\n\| verifier case \| before \| after \| status \|\n\|---\|---\|---\|---\|\n\| owning_locked \| reject \| accept \| pass \|/);
  t.match(markdown, /\| walk \| 104 \| 150 \| \+44\.2 % \|/);
  t.match(markdown, /- \*\*KERNEL_SPLAT: kernel WARNING during verify\*\*/);
  t.match(markdown, /note: patch 3\/4 is not in the input/);

  const quiet = judgePremerge({ targets: [results.targets[0]!, { ...results.targets[0]!, target: { ...results.targets[0]!.target, name: '+1' } }] } as RunResults, steps.slice(0, 2), 5);
  t.same(quiet.regressions, [], 'the same results twice: nothing changed');
  t.match(premergeMarkdown({ patches: [patch(1)], notes: [] }, quiet, { base: 'b', runDir: '/r', arch: 'x86_64' }), /no regression[\s\S]*No verdict, selftest, cost or error changed/);
  const missing = judgePremerge({ targets: [results.targets[0]!] } as RunResults, steps.slice(0, 2), 5);
  t.same(missing.regressions, ['patch 1: its kernel has no result']);
});

t.test('--machine: every kernel kexec\'d on one lab machine, built for its arch; a machine without arch is refused', async (t) => {
  const inventory = parseInventoryFile('/lab/lab.yaml', `machines:
  box: {host: 10.0.0.5, identity: /keys/id, hostKey: "SHA256:FWOWbEemWMeZ1Ab+goN7J5vuH0agCNZk6wvQfXXCGsA", arch: arm64}
  noarch: {host: 10.0.0.6, identity: /keys/id, hostKey: "SHA256:FWOWbEemWMeZ1Ab+goN7J5vuH0agCNZk6wvQfXXCGsA"}
`);
  const machine = premergeMachine('box', inventory);
  const { config: run } = premergePlan(config(), [patch(1)], ['/p/1.patch'], { baseVariant: 'base', onlyFinal: false, arch: machine.arch!, bench: false, selftests: 'off', machine });
  t.same(run.targets.map((target) => [target.name, target.kind, 'kernel' in target && target.kernel]), [['base', 'machine', { variant: 'premerge-base', append: [] }], ['+1', 'machine', { variant: 'premerge-1', append: [] }]]);
  t.same([...run.machines.keys()], ['box'], 'the run knows the machine');
  t.throws(() => premergeMachine('noarch', inventory), { code: 'USAGE', message: /no arch:/, hint: /arch: x86_64/ });
  t.throws(() => premergeMachine('nobox', inventory), { code: 'MACHINE_UNKNOWN', message: /known: box, noarch/ });
});
