// Error reporting: errno codes from libbpf, argument checks naming the bad value, closed and unloaded objects.
import { existsSync, readFileSync } from 'node:fs';
import t from 'tap';
import { BpfError, BpfObject, kernelBtfHasFunc, libbpfRuntimeVersion, libbpfVersion } from '../../harness/native/index.js';
import { BINDING_LIBBPF_RECORD } from '../../harness/cli/build-native.js';
import { MIN_LIBBPF, versionAtLeast } from '../../harness/util/version.js';
import { NATIVE_PATH } from '../../harness/native/loader.js';
import { projectRoot } from '../../harness/util/paths.js';
import { bpfSkipReason, compileFixture } from '../helpers/bpf-env.js';

const skip = bpfSkipReason();
if (skip) t.comment(`skipping bpf() tests: ${skip}`);

t.test('binding location and version', async (t) => {
  t.ok(NATIVE_PATH.startsWith(projectRoot), 'found under the project root from dist/ too');
  t.ok(existsSync(NATIVE_PATH));
  const record = JSON.parse(readFileSync(BINDING_LIBBPF_RECORD, 'utf8')) as { version: string; archive: string };
  t.equal(libbpfVersion, record.version, 'libbpfVersion is the static libbpf npm run build:native linked');
  t.ok(existsSync(record.archive), 'the linked archive is in the cache');
  t.equal(libbpfRuntimeVersion, `v${record.version.split('.').slice(0, 2).join('.')}`, 'libbpf_version_string() of the linked code agrees');
  t.ok(versionAtLeast(libbpfVersion, MIN_LIBBPF), `libbpf ${libbpfVersion} is current (>= ${MIN_LIBBPF})`);
});

t.test('kernelBtfHasFunc probes vmlinux BTF', async (t) => {
  t.equal(kernelBtfHasFunc('bpf_obj_new_impl'), true, 'a kfunc of every kernel >= 6.2');
  t.equal(kernelBtfHasFunc('kptrlab_no_such_function'), false);
  t.throws(() => kernelBtfHasFunc(1 as unknown as string), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
});

t.test('libbpf errors carry errno name, op and libbpf lines', async (t) => {
  t.throws(() => BpfObject.open('/nonexistent/kptrlab.bpf.o'), { name: 'BpfError', code: 'ENOENT', errno: 2, op: 'bpf_object__open_file' });
  let garbage: unknown;
  try {
    BpfObject.open(Buffer.from('this is not an ELF file at all'));
  } catch (error) {
    garbage = error;
  }
  t.ok(garbage instanceof BpfError, 'garbage image throws BpfError');
  t.match(garbage, { op: 'bpf_object__open_mem', code: /^(E|LIBBPF_ERRNO__)/ });
  t.match((garbage as BpfError).libbpfMessage, /elf/i, 'libbpf explained it');
});

t.test('argument checks', async (t) => {
  t.throws(() => BpfObject.open(42 as unknown as string), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE', message: /source must be a path string or a Uint8Array/ });
  t.throws(() => BpfObject.open(''), { name: 'RangeError' });
  t.throws(() => BpfObject.open(new Uint8Array(0)), { name: 'RangeError' });
  t.throws(() => BpfObject.open('/x', { nmae: 'y' } as unknown as { name: string }), { name: 'RangeError', message: /unknown options key "nmae"; valid options keys: name/ });
});

t.test('checks on an open object', { skip }, async (t) => {
  const object = BpfObject.open(await compileFixture('globals'));
  t.teardown(() => object.close());
  t.throws(() => object.testRun('nope'), { name: 'RangeError', code: 'ERR_UNKNOWN_NAME', message: /unknown program "nope"; valid programs: tc_main/ });
  t.throws(() => object.readSection('.text'), { name: 'RangeError', message: /valid sections: .*\.bss/ });
  t.throws(() => object.readGlobal('nope'), { name: 'RangeError', message: /valid globals: .*run_count/ });
  t.throws(() => object.mapLookup('nope', Buffer.alloc(4)), { name: 'RangeError', message: /valid maps: .*globals\.bss/ });
  t.throws(() => object.setAutoload('tc_main', 'yes' as unknown as boolean), { name: 'TypeError', message: /on must be a boolean, got "yes"/ });
  t.throws(() => object.setProgramType('tc_main', 'xdpp'), { name: 'RangeError', message: /unknown program type "xdpp"; valid program types: .*xdp/ });
  t.throws(() => object.getU64('ret_value'), { name: 'RangeError', message: /8 bytes/ }, 'getU64 needs an 8-byte global');
  t.throws(() => object.setU64('run_count', 1.5), { name: 'TypeError' });
  t.throws(() => object.setU64('run_count', 1n << 64n), { name: 'RangeError' });
  t.throws(() => object.setU32Array('mark_add', [1, 2, 3, 4, 5]), { name: 'RangeError', message: /at most 4/ });
  t.throws(() => object.setU32Array('mark_add', [-1]), { name: 'RangeError' });
  t.throws(() => object.writeSection('.data', 2, Buffer.alloc(4)), { name: 'RangeError' }, 'write past the section end');
  t.throws(() => object.writeGlobal('ret_value', Buffer.alloc(8)), { name: 'RangeError' });
  t.throws(() => object.load({ logSize: 64 }), { name: 'RangeError', message: /options.logSize/ });
  t.throws(() => object.load({ logLevel: 1.5 }), { name: 'RangeError' });
  t.throws(() => object.testRun('tc_main'), { name: 'BpfError', code: 'EBADF', message: /not loaded/ });
  object.load();
  t.throws(() => object.testRun('tc_main', { repeat: -1 }), { name: 'RangeError', message: /options.repeat/ });
  t.throws(() => object.testRun('tc_main', { repat: 1 } as unknown as object), { name: 'RangeError', message: /valid options keys: repeat/ });
  t.throws(() => object.testRun('tc_main', { dataIn: 'abc' } as unknown as object), { name: 'TypeError' });
  t.throws(() => object.mapLookup('globals.bss', Buffer.alloc(3)), { name: 'RangeError', message: /key.length must be 4/ });
});

t.test('a closed object refuses every call', { skip }, async (t) => {
  const object = BpfObject.open(await compileFixture('globals'));
  object.load();
  t.equal(object.closed, false);
  object.close();
  object.close();
  t.equal(object.closed, true, 'close is idempotent');
  for (const call of [() => object.programs(), () => object.testRun('tc_main'), () => object.readSection('.bss'), () => object.getU64('run_count'), () => object.load()]) {
    t.throws(call, { name: 'BpfError', code: 'EBADF', message: /is closed/ });
  }
});
