// Map element operations, per-CPU values, program type change and autoload before load.
import t from 'tap';
import { BpfObject, possibleCpus } from '../../harness/native/index.js';
import { bpfSkipReason, compileFixture } from '../helpers/bpf-env.js';

const skip = bpfSkipReason();
if (skip) t.comment(`skipping bpf() tests: ${skip}`);

const u32 = (value: number) => {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32LE(value);
  return bytes;
};

t.test('maps fixture', { skip }, async (t) => {
  const path = await compileFixture('maps');
  const object = BpfObject.open(path);
  t.teardown(() => object.close());

  t.same(
    object.maps().filter((m) => !m.section).map((m) => [m.name, m.type, m.keySize, m.valueSize, m.maxEntries]).sort(),
    [['counts', 'array', 4, 8, 4], ['pairs', 'hash', 4, 16, 16], ['per_cpu', 'percpu_array', 4, 4, 1]],
  );
  t.match(object.programs().find((p) => p.name === 'disabled'), { autoload: false, section: 'tc' });
  object.setAutoload('disabled', true);
  object.setProgramType('retype_me', 'xdp');
  t.match(object.programs().find((p) => p.name === 'retype_me'), { type: 'xdp' });
  t.throws(() => object.mapLookup('counts', u32(0)), { name: 'BpfError', code: 'EBADF' }, 'map ops need a loaded object');

  const result = object.load();
  t.equal(result.ok, true);
  t.same(result.programs.map((p) => p.name).sort(), ['copy_pair', 'disabled', 'retype_me']);
  t.throws(() => object.setAutoload('disabled', false), { name: 'BpfError', code: 'EBUSY' }, 'settings are frozen after load');

  const pair = Buffer.alloc(16);
  pair.writeBigUInt64LE(0x1122334455667788n, 0);
  pair.writeUInt32LE(7, 8);
  t.equal(object.mapLookup('pairs', u32(1)), null, 'absent key gives null');
  object.mapUpdate('pairs', u32(1), pair);
  t.same(object.mapLookup('pairs', u32(1)), pair, 'lookup returns what update stored');
  t.throws(() => object.mapUpdate('pairs', u32(1), pair, 1), { name: 'BpfError', code: 'EEXIST' }, 'BPF_NOEXIST on an existing key');
  t.equal(object.testRun('copy_pair').retval, 0, 'syscall program found the element');
  t.equal(object.mapLookup('counts', u32(0))?.readBigUInt64LE(0), 0x1122334455667788n, 'program wrote counts[0]');
  t.equal(object.mapDelete('pairs', u32(1)), true);
  t.equal(object.mapDelete('pairs', u32(1)), false, 'second delete finds nothing');
  t.equal(object.testRun('copy_pair').retval, 1);
  t.equal(object.mapLookup('counts', u32(4)), null, 'array index out of range is absent');

  const slots = object.mapLookup('per_cpu', u32(0));
  t.equal(slots?.length, 8 * possibleCpus(), 'per-CPU value has an 8-byte slot per possible CPU');
  t.throws(() => object.mapUpdate('per_cpu', u32(0), Buffer.alloc(4)), { name: 'RangeError' }, 'per-CPU update needs every slot');

  t.equal(object.testRun('retype_me', { dataIn: Buffer.alloc(64) }).retval, 2, 'retyped to xdp: XDP_PASS');
  t.equal(object.testRun('disabled', { dataIn: Buffer.alloc(64) }).retval, 3, 'autoload switched on before load');
});
