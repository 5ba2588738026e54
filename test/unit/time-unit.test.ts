import t from 'tap';
import { timeUnitFor } from '../../harness/targets/target.js';

t.test('every timing carries the unit of how it was measured', async (t) => {
  t.equal(timeUnitFor('native', false), 'ns');
  t.equal(timeUnitFor('kvm', true), 'ns', 'icount applies to TCG only');
  t.equal(timeUnitFor('tcg', true), 'icount-ns');
  t.equal(timeUnitFor('tcg', false), 'tcg-ns', 'emulated wall time is never labelled like real ns');
});
