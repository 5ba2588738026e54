// A verifier rejection is a LoadResult, not an exception: per-program verdicts, log, libbpf message.
import t from 'tap';
import { BpfError, BpfObject, NOT_ATTEMPTED } from '../../harness/native/index.js';
import { bpfSkipReason, compileFixture } from '../helpers/bpf-env.js';

const skip = bpfSkipReason();
if (skip) t.comment(`skipping bpf() tests: ${skip}`);

t.test('reject fixture', { skip }, async (t) => {
  const path = await compileFixture('reject');

  t.test('the middle program is rejected, the next one never attempted', async (t) => {
    const object = BpfObject.open(path);
    t.teardown(() => object.close());
    t.same(object.programs().map((p) => p.name), ['good_first', 'bad_null_deref', 'good_after'], 'load order');
    const result = object.load();
    t.equal(result.ok, false);
    const [first, bad, after] = result.programs;
    t.match(first, { name: 'good_first', loaded: true });
    t.notOk(first?.code, 'an accepted program has no code');
    t.match(bad, { name: 'bad_null_deref', loaded: false, code: 'EACCES', errno: 13 });
    t.ok((bad?.log.length ?? 0) > 0, 'rejected program has a log');
    t.match(bad?.log, /R0 invalid mem access 'map_value_or_null'/);
    t.ok((bad?.stats?.insnsProcessed ?? 0) > 0, 'stats are parsed from a rejection too');
    t.match(after, { name: 'good_after', loaded: false, code: NOT_ATTEMPTED, log: '' });
    t.ok(result.error instanceof BpfError);
    t.match(result.error, { code: 'EACCES', errno: 13, op: 'bpf_object__load' });
    t.match(result.error?.message, /bad_null_deref.*map_value_or_null/);
    t.match(result.error?.libbpfMessage, /prog 'bad_null_deref': failed to load: -(13|EACCES)/);
    t.throws(() => object.testRun('good_first'), { name: 'BpfError', code: 'EBADF' }, 'nothing stays loaded after a failed load');
    t.throws(() => object.load(), { name: 'BpfError', code: 'EALREADY' }, 'an object loads once');
  });

  t.test('turning autoload off for the bad program makes the rest load', async (t) => {
    const object = BpfObject.open(path);
    t.teardown(() => object.close());
    object.setAutoload('bad_null_deref', false);
    const result = object.load();
    t.equal(result.ok, true);
    t.same(result.programs.map((p) => [p.name, p.loaded]), [['good_first', true], ['good_after', true]]);
    t.equal(object.testRun('good_after', { dataIn: Buffer.alloc(64) }).retval, 2);
    t.throws(() => object.testRun('bad_null_deref', { dataIn: Buffer.alloc(64) }), { name: 'BpfError', code: 'EBADF' }, 'a program that was not loaded cannot run');
  });
});
