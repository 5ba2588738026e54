// Series declarations and allow entries turn the tree runner's raw verdict into the reported status.
import t from 'tap';
import { classify, FAILING } from '../../harness/selftests/expectations.js';
import type { ListMatch, Requirement } from '../../harness/selftests/manifest.js';

const needsNonown: Requirement = { test: 'a/b', level: 'nonown', reason: 'kptr_xchg on a non-owning node' };
const pass = { status: 'pass' as const, actual: 'loaded' as const };
const fail = { status: 'fail' as const, actual: 'rejected' as const, reason: 'unexpected_load_failure (EINVAL)' };
const allow = (expired: boolean): ListMatch => ({ action: 'allow', expired, entry: { test: 'a/b', targets: [], reason: 'known upstream bug', expires: '2027-01-01', line: 3 } });

t.test('a failure is expected only where the config declares the series absent', async (t) => {
  t.match(classify(fail, needsNonown, 'absent', undefined), { status: 'expected-fail', reason: /needs level nonown .*series: absent.*unexpected_load_failure/ });
  t.match(classify(fail, needsNonown, 'lock', undefined), { status: 'expected-fail' });
  t.match(classify(fail, needsNonown, 'v5', undefined), { status: 'fail' }, 'v5 has nonown: a failure is real');
  t.match(classify(fail, needsNonown, undefined, undefined), { status: 'fail', reason: /declare the target's series/ });
  t.match(classify(pass, needsNonown, 'absent', undefined), { status: 'unexpected-pass' });
  t.ok(FAILING.has('unexpected-pass'));
});

t.test('allow entries cover failures until they expire', async (t) => {
  t.match(classify(fail, undefined, 'full', allow(false)), { status: 'allowed-fail', reason: /allowed until 2027-01-01: known upstream bug/ });
  t.match(classify(fail, undefined, 'full', allow(true)), { status: 'fail' });
  t.match(classify(pass, undefined, 'full', allow(false)), { status: 'pass' });
  t.match(classify({ status: 'skip', actual: 'not-run', reason: 'ARM64 only' }, needsNonown, 'absent', undefined), { status: 'skip', reason: 'ARM64 only' });
});
