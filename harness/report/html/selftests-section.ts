// Selftests per kernel: counts by status, and each failing subtest with its reason.
import { FAILING, type SelftestStatus } from '../../results/vocab.js';
import type { Column } from './columns.js';
import { esc } from './escape.js';

const STATUSES: SelftestStatus[] = ['pass', 'fail', 'unexpected-pass', 'expected-fail', 'allowed-fail', 'skip'];

export function selftestsSection(columns: readonly Column[]): string {
  const withTests = columns.filter((column) => column.target.selftests);
  if (withTests.length === 0) return '<section id="selftests"><h2>Kernel selftests</h2><p>No selftests in these runs.</p></section>';
  const rows = withTests.map((column) => {
    const tests = column.target.selftests!.tests;
    const counts = STATUSES.map((status) => {
      const count = tests.filter((test) => test.status === status).length;
      return `<td class="num ${count > 0 && FAILING.has(status) ? 'fail' : ''}" data-status="${status}">${count}</td>`;
    });
    return `<tr data-selftests="${esc(column.key)}"><th scope="row">${esc(column.name)}<div class="sub">${esc(column.kernel)} · ${esc(column.arch)}${column.target.selftests!.series ? ` · series ${esc(column.target.selftests!.series)}` : ''}</div></th>${counts.join('')}<td class="num">${tests.length}</td></tr>`;
  });
  const failing = withTests.flatMap((column) =>
    column.target.selftests!.tests
      .filter((test) => FAILING.has(test.status))
      .map((test) => `<li><b>${esc(column.name)}</b>: <code>${esc(test.id)}</code> ${esc(test.status)} (expected ${esc(test.expected)}, got ${esc(test.actual)})${test.reason ? ` — ${esc(test.reason)}` : ''}${test.excerpt ? `<pre>${esc(test.excerpt)}</pre>` : ''}</li>`),
  );
  const list = failing.length ? `<h3>Failing</h3><ul class="failing" data-failing-selftests="${failing.length}">${failing.join('')}</ul>` : '<p class="ok">No selftest failed.</p>';
  return `<section id="selftests"><h2>Kernel selftests</h2><table class="counts"><thead><tr><th>kernel</th>${STATUSES.map((status) => `<th>${status}</th>`).join('')}<th>total</th></tr></thead><tbody>${rows.join('')}</tbody></table>${list}</section>`;
}
