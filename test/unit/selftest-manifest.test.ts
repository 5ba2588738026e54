// kselftests/suite.yaml and lists.yaml: parsing with file/key errors, glob matching, expiry, requirements.
import t from 'tap';
import { ConfigError } from '../../harness/util/config-error.js';
import { globMatch, listMatch, loadSuiteManifest, loadTestLists, parseSuiteManifest, parseTestLists, requirementFor } from '../../harness/selftests/manifest.js';
import { projectPath } from '../../harness/util/paths.js';

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

t.test('the shipped suite and lists parse', async (t) => {
  const suite = loadSuiteManifest(projectPath('kselftests', 'suite.yaml'));
  t.ok(suite.files.includes('rbtree*.c'));
  t.equal(suite.skeletons.linked_list_fail?.rule, 'each-rejected');
  t.equal(requirementFor(suite, 'rbtree_search_kptr/rbtree_search_kptr_ref')?.level, 'full');
  t.equal(requirementFor(suite, 'rbtree_fail/rbtree_api_nolock_add'), undefined);
  const lists = loadTestLists(projectPath('kselftests', 'lists.yaml'));
  for (const entry of [...lists.deny, ...lists.allow]) t.match(entry.expires, /^\d{4}-\d{2}-\d{2}$/, `${entry.test} has an expiry date`);
});

t.test('bad entries name file, key and fix', async (t) => {
  const rule = errorOf(() => parseSuiteManifest('s.yaml', 'files: [a.c]\nskeletons:\n  a: {rule: laod, from: x}\n'));
  t.equal(rule.details.keyPath, 'skeletons.a.rule');
  t.match(rule.hint, /Did you mean "load"/);
  t.match(errorOf(() => parseSuiteManifest('s.yaml', 'files: []\n')).details.expected, /at least one/);
  const noReason = errorOf(() => parseTestLists('l.yaml', 'deny:\n  - {test: a/b, expires: "2027-01-01"}\n'));
  t.equal(noReason.details.keyPath, 'deny[0].reason');
  const short = errorOf(() => parseTestLists('l.yaml', 'allow:\n  - {test: a/b, reason: flaky, expires: "2027-01-01"}\n'));
  t.match(short.details.expected, /reason a reader can act on/);
  const date = errorOf(() => parseTestLists('l.yaml', 'allow:\n  - {test: a/b, reason: a long enough reason, expires: next year}\n'));
  t.equal(date.details.keyPath, 'allow[0].expires');
  t.match(date.hint, /YYYY|2027-03-01/);
  t.equal(date.details.file, 'l.yaml');
});

t.test('globs, targets and expiry', async (t) => {
  t.ok(globMatch('rbtree*.c', 'rbtree_fail.c'));
  t.notOk(globMatch('rbtree*.c', 'xrbtree.c'));
  t.ok(globMatch('*/compile', 'rbtree/compile'));
  t.ok(globMatch('a/b @unpriv', 'a/b @unpriv'), 'spaces and @ are literal');
  const lists = parseTestLists('l.yaml', [
    'deny:',
    '  - {test: "x/*", targets: [arm], reason: not on arm for a reason, expires: "2027-01-01"}',
    'allow:',
    '  - {test: "x/y", reason: allowed for a reason here, expires: "2026-11-26"}',
  ].join('\n'));
  t.match(listMatch(lists, 'x/z', 'arm', '2026-11-26'), { action: 'deny', expired: false });
  t.equal(listMatch(lists, 'x/z', 'amd', '2026-11-26'), undefined, 'deny limited to its targets');
  t.match(listMatch(lists, 'x/y', 'amd', '2026-11-25'), { action: 'allow', expired: false });
  t.match(listMatch(lists, 'x/y', 'amd', '2026-11-26'), { action: 'allow', expired: true }, 'expires on its day');
});
