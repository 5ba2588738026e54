// BpfObject against the kernel: listing, load with stats, test_run (retval, data_out, ctx, repeat), globals live and pre-load.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { BpfObject } from '../../harness/native/index.js';
import { bpfSkipReason, compileFixture } from '../helpers/bpf-env.js';

const skip = bpfSkipReason();
if (skip) t.comment(`skipping bpf() tests: ${skip}`);
const PACKET = Buffer.alloc(64);
// struct __sk_buff: len at 0, pkt_type at 4, mark at 8; 192 bytes covers the whole struct.
const SKB_SIZE = 192;
const MARK = 8;

t.test('globals fixture', { skip }, async (t) => {
  const path = await compileFixture('globals');

  t.test('lists programs, maps and globals before load', async (t) => {
    const object = BpfObject.open(path);
    t.teardown(() => object.close());
    t.equal(object.name, 'globals');
    const [program] = object.programs();
    t.match(program, { name: 'tc_main', section: 'tc', type: 'sched_cls', autoload: true });
    t.ok((program?.insnCount ?? 0) > 0, 'insnCount > 0');
    t.same(object.maps().map((m) => m.section).sort(), ['.bss', '.data', '.data.A', '.rodata']);
    t.match(object.maps().find((m) => m.section === '.bss'), { name: 'globals.bss', type: 'array', keySize: 4, valueSize: 24, maxEntries: 1 });
    t.same(object.globals().find((g) => g.name === 'mark_add'), { name: 'mark_add', section: '.bss', offset: 8, size: 16 });
    t.same([...object.readSection('.data')], [7, 0, 0, 0], 'initial .data image');
    t.equal(object.readGlobal('rodata_magic').readUInt32LE(0), 0x1234abcd);
    t.equal(object.readGlobal('marker_byte').readUInt32LE(0), 0xab);
  });

  t.test('load, stats, test_run with data_out and ctx, live globals', async (t) => {
    const object = BpfObject.open(path);
    t.teardown(() => object.close());
    object.setU32Array('mark_add', [10]);
    const result = object.load();
    t.equal(result.ok, true, 'loads');
    t.equal(result.attempts, 1);
    const [program] = result.programs;
    t.match(program, { name: 'tc_main', loaded: true });
    t.match(program?.log, /processed \d+ insns/, 'level 1|4 log has the stats trailer');
    t.ok((program?.stats?.insnsProcessed ?? 0) > 0, 'insnsProcessed > 0');
    t.ok((program?.stats?.verificationTimeUs ?? -1) >= 0, 'verification time parsed');

    const ctxIn = Buffer.alloc(SKB_SIZE);
    ctxIn.writeUInt32LE(5, MARK);
    const run = object.testRun('tc_main', { dataIn: PACKET, dataSizeOut: 256, ctxIn, ctxSizeOut: SKB_SIZE });
    t.equal(run.retval, 7, 'returns the .data global');
    t.ok(Number.isInteger(run.durationNs) && run.durationNs >= 0, `durationNs ${run.durationNs}`);
    t.equal(run.dataOut?.length, PACKET.length, 'data_out has the packet length');
    t.equal(run.dataOut?.[0], 0xab, 'program wrote marker_byte into the packet');
    t.equal(run.ctxOut?.length, SKB_SIZE);
    t.equal(run.ctxOut?.readUInt32LE(MARK), 15, 'skb->mark = ctx mark + mark_add[0]');
    t.equal(object.getU64('run_count'), 1n);

    object.writeGlobal('ret_value', Buffer.from([42, 0, 0, 0]));
    t.equal(object.testRun('tc_main', { dataIn: PACKET }).retval, 42, 'live write to .data is seen by the program');
    t.equal(object.readGlobal('ret_value').readUInt32LE(0), 42);
    t.throws(() => object.writeSection('.rodata', 0, Buffer.alloc(4)), { name: 'BpfError', code: 'EPERM' }, '.rodata is frozen after load');
  });

  t.test('a .bss counter read after N runs equals N', async (t) => {
    const object = BpfObject.open(path);
    t.teardown(() => object.close());
    t.equal(object.load().ok, true);
    const repeated = object.testRun('tc_main', { dataIn: PACKET, repeat: 5 });
    t.equal(repeated.retval, 7);
    t.equal(object.getU64('run_count'), 5n, 'repeat 5 runs five times');
    for (let i = 0; i < 3; i++) object.testRun('tc_main', { dataIn: PACKET });
    t.equal(object.getU64('run_count'), 8n);
    object.setU64('run_count', 0);
    t.equal(object.getU64('run_count'), 0n, 'setU64 writes the live value');
  });

  t.test('writes before load change the initial image (.rodata too)', async (t) => {
    const object = BpfObject.open(path);
    t.teardown(() => object.close());
    object.writeGlobal('rodata_magic', Buffer.alloc(4));
    object.setU64('run_count', 100n);
    t.equal(object.load().ok, true);
    t.equal(object.testRun('tc_main', { dataIn: PACKET }).retval, 99, 'program saw the patched .rodata');
    t.equal(object.getU64('run_count'), 101n);
  });

  t.test('a too small log buffer is retried (whole load) until it fits', async (t) => {
    const object = BpfObject.open(path);
    t.teardown(() => object.close());
    object.setU32Array('mark_add', [3]);
    // Level 1|2|4 keeps the full instruction trace, which is far larger than 256 bytes.
    const result = object.load({ logLevel: 7, logSize: 256 });
    t.equal(result.ok, true);
    t.ok(result.attempts > 1, `attempts ${result.attempts}`);
    t.ok(result.logSize > 256, `logSize ${result.logSize}`);
    t.match(result.programs[0]?.log, /^func#0 @0\n[^]*\n0: R1=ctx\(\) R10=fp0\n[^]*\nprocessed \d+ insns/, 'log is complete from the first line to the stats');
    t.ok((result.programs[0]?.stats?.insnsProcessed ?? 0) > 0);
    const ctxIn = Buffer.alloc(SKB_SIZE);
    const run = object.testRun('tc_main', { dataIn: PACKET, ctxIn, ctxSizeOut: SKB_SIZE });
    t.equal(run.ctxOut?.readUInt32LE(MARK), 3, 'pre-load settings were replayed on the reopened object');
  });

  t.test('log level 0 gives no log and no stats', async (t) => {
    const object = BpfObject.open(path);
    t.teardown(() => object.close());
    const result = object.load({ logLevel: 0 });
    t.equal(result.ok, true);
    t.equal(result.programs[0]?.log, '');
    t.equal(result.programs[0]?.stats, null);
  });

  t.test('opens an in-memory ELF image under a chosen name', async (t) => {
    const object = BpfObject.open(readFileSync(path), { name: 'memobj' });
    t.teardown(() => object.close());
    t.equal(object.name, 'memobj');
    t.equal(object.maps().find((m) => m.section === '.bss')?.name, 'memobj.bss', 'internal maps take the object name prefix');
    t.equal(object.load().ok, true);
    t.equal(object.testRun('tc_main', { dataIn: PACKET }).retval, 7);
  });

  t.test('a too small data_out is an ENOSPC BpfError', async (t) => {
    const object = BpfObject.open(path);
    t.teardown(() => object.close());
    object.load();
    t.throws(() => object.testRun('tc_main', { dataIn: PACKET, dataSizeOut: 8 }), { name: 'BpfError', code: 'ENOSPC', errno: 28, op: 'test_run' });
  });
});
