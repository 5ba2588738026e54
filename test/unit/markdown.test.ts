// The Markdown summary on a hand-built run: sections, only the changed verdicts, failures capped, speedups from
// the A/B rows, selftest totals, a relative link to report.html; table cells that cannot break a row.
import t from 'tap';
import { markdownSummary } from '../../harness/report/markdown.js';
import { inlineCode, markdownCell, markdownTable } from '../../harness/report/markdown-table.js';
import type { CaseResult } from '../../harness/results/model.js';
import { mixedRun } from '../helpers/mixed-run.js';

t.test('the summary of a two-target run', async (t) => {
  const text = markdownSummary(mixedRun());
  t.match(text, /^## kptrlab run `r1`: \*\*FAILED\*\* \(exit 1\)\nconfig `config\/local\.yaml` · kptrlab 0\.1\.0 `abc` · started 2026-01-01T00:00:00\.000Z on h\n/);
  t.match(text, /\| base \| 7\.3\.4 \(base\) \| x86_64 \| tcg \| icount-ns \| base \| 1 pass, \*\*2 FAIL\*\* \| 4 cells; rejected: fast \|\n/);
  t.match(text, /\| local \| 6\.18\.0 \| x86_64 \| native \| ns \| - \| 2 pass \| 1 cells \|\n/);
  t.match(text, /### Verdict changes across targets\n\n\| case \| base \(base\) \| local \(\?\) \| ok \|\n\|---\|---\|---\|---\|\n\| `fast_plain` \| accept \| reject \| FAIL \|\n\n/, 'only the case that changed');
  t.notMatch(text, /`stock` \|/, 'an unchanged case is not listed');
  t.match(text, /### Failures \(6\)\n\n- \*\*base\*\* verifier `fast_plain`: expected the verifier to reject on a base kernel, it did accept\n/);
  t.match(text, /- \*\*base\*\* selftest `rbtree_search_kptr\/stray`: unexpected pass: why stray\n/);
  t.match(text, /- \*\*base\*\* bench `walk size 256`: integrity check failed at size 256\n/);
  t.match(text, /- \*\*base\*\* target `bench`: the target stopped answering during bench \[TARGET_DIED\]\n/);
  t.match(text, /### Kernel tree selftests\n\n\| target \| PASS \| SKIP \| XFAIL \| XPASS! \| ALLOWED \|\n\|---\|---:\|---:\|---:\|---:\|---:\|\n\| base \| 1 \| 1 \| 1 \| 1 \| 1 \|\n/);
  t.notMatch(text, /Fast-path speedups/, 'no ratio with the fast path anywhere: no speedup table');
  t.match(text, /\n\nFull report: \[report\.html\]\(report\.html\)\n$/);
});

t.test('speedups come from the run\'s ratios, sizes without the fast path left out', async (t) => {
  const results = mixedRun();
  results.targets[1]!.bench!.sizes = [16, 256];
  results.targets[1]!.bench!.ratios.push({ size: 16, numerator: 'stock', denominator: 'fast', unit: 'ns', n: 3, ratio: 2.5, ciLow: 2.4, ciHigh: 2.61 });
  const text = markdownSummary(results);
  t.match(text, /### Fast-path speedups \(ratio of medians, 95 % CI; compare only within one unit\)\n\n\| target \| accel \| size \| stock\/fast \| baseline\/fast \| unit \|\n\|---\|---\|---:\|---\|---\|---\|\n\| local \| native \| 16 \| 2\.50x \[2\.40, 2\.61\] \| - \| ns \|\n\n/);
  t.notMatch(text, /\| local \| native \| 256 \|/);
  t.notMatch(text, /\| base \| tcg \| 16 \|/);
});

t.test('a run with many failures lists ten and says how many more; a passing one says none', async (t) => {
  const results = mixedRun();
  const base = results.targets[0]!;
  const failing = base.cases[0]!;
  for (let index = 0; index < 20; index++) base.cases.push({ ...failing, id: `extra_${index}` } satisfies CaseResult);
  const text = markdownSummary(results);
  t.match(text, /### Failures \(26\)\n/);
  t.equal(text.split('\n').filter((line) => line.startsWith('- **')).length, 10);
  t.match(text, /\n- … and 16 more \(see the full report\)\n/);
  t.ok(text.split('\n').length <= 60, `${text.split('\n').length} lines`);
  const clean = mixedRun();
  clean.targets = [clean.targets[1]!];
  clean.run.status = 'passed';
  t.match(markdownSummary(clean), /: passed \(exit 1\)\n[\s\S]*### Failures\n\nNone\.\n/);
  t.notMatch(markdownSummary(clean), /Verdict changes/, 'one target: no A/B section');
});

t.test('cells and inline code cannot break the table or the code span', async (t) => {
  t.equal(markdownCell('a|b\nc'), 'a\\|b c');
  t.equal(inlineCode('x`y'), '``x`y``');
  t.equal(inlineCode('`start'), '`` `start ``');
  t.equal(markdownTable([['h|1', 'n'], ['`a|b`', '3']], new Set([1])), '| h\\|1 | n |\n|---|---:|\n| `a\\|b` | 3 |');
  const results = mixedRun();
  results.targets[0]!.cases[0]!.id = 'odd|case`id';
  results.targets[1]!.cases[1]!.id = 'odd|case`id';
  const row = markdownSummary(results).split('\n').find((line) => line.includes('odd'));
  t.equal(row, '| ``odd\\|case`id`` | accept | reject | FAIL |');
});
