// kptrlab premerge end to end: Debian's 7.3 tree with the flagship series reversed as the base, the series' three
// patches as sent (an mbox) — each flip attributed to its patch, no regression — and a careless patch that keeps
// non-owning references alive after bpf_spin_unlock, caught with exit 1 naming it (slow: KPTRLAB_E2E=1; about 15
// minutes with the kernels cached, 25 more the first time: four incremental kernel builds).
import t from 'tap';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectPath } from '../../harness/util/paths.js';
import { runCli } from '../helpers/cli.js';

interface StepJson {
  step: { target: string; adds?: number };
  verdicts: Array<{ id: string; from: string; to: string; regression: boolean }>;
  selftests: Array<{ id: string; from: string; to: string; status: string; regression: boolean }>;
  costs: Array<{ id: string; percent: number }>;
}

const premergeOf = (outputDir: string) => {
  const run = readdirSync(outputDir)[0]!;
  return {
    json: JSON.parse(readFileSync(join(outputDir, run, 'premerge.json'), 'utf8')) as { steps: StepJson[]; regressions: string[] },
    markdown: readFileSync(join(outputDir, run, 'premerge.md'), 'utf8'),
  };
};

if (process.env.KPTRLAB_E2E !== '1') {
  t.comment('skipped: premerge builds a kernel per prefix of the series and boots each under QEMU (minutes); set KPTRLAB_E2E=1');
} else {
  t.setTimeout(90 * 60_000);
  t.test('premerge: the flagship series patch by patch, then a careless patch caught', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'kptrlab-premerge-e2e-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    // The series as a developer's mail client saved it: one mbox, separator lines, the patches as sent (3 of 4).
    const mbox = join(dir, 'series.mbox');
    const patches = readdirSync(projectPath('config', 'patches', 'kptr-nonown')).sort();
    writeFileSync(mbox, patches.map((name) => `From kptrlab Mon Sep 17 00:00:00 2001\nFrom: Dev <dev@example.org>\n${readFileSync(projectPath('config', 'patches', 'kptr-nonown', name), 'utf8')}\n`).join(''));

    const output = join(dir, 'series');
    const good = await runCli(['premerge', '--series', mbox, '--allow-missing', '--selftests', '--output', output]);
    if (good.exitCode !== 0) t.comment(good.stdout.slice(-3000) + good.stderr.slice(-1000));
    t.equal(good.exitCode, 0, 'no regression in the series');
    const { json, markdown } = premergeOf(output);
    t.same(json.steps.map((step) => [step.step.target, step.step.adds]), [['+1', 1], ['+1,2', 2], ['+1,2,4', 4]]);
    const flipped = (index: number) => json.steps[index]!.verdicts.map((flip) => flip.id).sort();
    const selftests = (index: number) => json.steps[index]!.selftests.map((flip) => flip.id).sort();
    t.same(flipped(0), ['baseline_xchg_owning_locked'], 'patch 1 flips baseline_xchg_owning_locked');
    t.same(flipped(1), ['fast_first', 'fast_plain', 'readd_then_xchg_locked'], 'patch 2 flips the fast path and readd_then_xchg_locked');
    t.same(flipped(2), ['fast_refcounted'], 'patch 4 flips fast_refcounted');
    t.same(selftests(0), [], 'patch 1 changes no tree selftest');
    t.same(selftests(1), ['rbtree_search_kptr/non_own_ref_kptr_xchg_no_lock', 'rbtree_search_kptr/rbtree_search_kptr'], 'patch 2: rbtree_search_kptr loads, non_own_ref_kptr_xchg_no_lock fails for the expected reason');
    t.same(selftests(2), ['rbtree_search_kptr/rbtree_search_kptr_ref'], 'patch 4: rbtree_search_kptr_ref');
    t.same(json.regressions, []);
    t.match(markdown, /^## kptrlab pre-merge: no regression/);
    t.match(markdown, /### Patch 2\/4: bpf: accept non-owning rbtree nodes as bpf_kptr_xchg destination/);
    t.match(markdown, /note: patch 3\/4 is not in the input/);
    t.comment(`instruction counts that moved: ${json.steps.map((step) => `${step.step.target}: ${step.costs.map((cost) => `${cost.id} ${cost.percent.toFixed(1)} %`).join(', ') || 'none'}`).join('; ')}`);

    // On the whole series, a patch that stops invalidating non-owning references at bpf_spin_unlock.
    const badOutput = join(dir, 'bad');
    const bad = await runCli(['premerge', '--series', projectPath('test', 'fixtures', 'premerge', 'bad-non-own-refs-after-unlock.patch'), '--base', 'patched', '--selftests', '--output', badOutput]);
    t.equal(bad.exitCode, 1, 'exit 1: a regression');
    const caught = premergeOf(badOutput);
    t.ok(caught.json.regressions.length > 0 && caught.json.regressions.every((regression) => regression.startsWith('patch 1: ')), `every regression names the patch: ${caught.json.regressions.join('; ')}`);
    const failing = [...caught.json.steps[0]!.verdicts, ...caught.json.steps[0]!.selftests].filter((flip) => flip.regression).map((flip) => flip.id);
    t.ok(failing.length > 0, `the verifier matrix or the tree's selftests fail on it: ${failing.join(', ')}`);
    t.match(caught.markdown, /\*\*\d+ regression\(s\)\*\*[\s\S]*### Patch 1\/1: bpf: keep non-owning references usable after bpf_spin_unlock/);
  });
}
