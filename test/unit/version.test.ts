import t from 'tap';
import { versionAtLeast } from '../../harness/util/version.js';

t.test('dotted versions compare part by part, not as strings', async (t) => {
  t.equal(versionAtLeast('1.8.0', '1.5'), true);
  t.equal(versionAtLeast('v1.8', '1.5'), true);
  t.equal(versionAtLeast('1.5', '1.5.0'), true);
  t.equal(versionAtLeast('1.10.0', '1.9'), true, '10 > 9 though "1.10" < "1.9" as text');
  t.equal(versionAtLeast('1.1.2', '1.5'), false, "Debian 12's libbpf is too old");
  t.equal(versionAtLeast('0.8.1', '1.5'), false);
  t.throws(() => versionAtLeast('unknown', '1.5'), TypeError);
});
