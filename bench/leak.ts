// Leak benchmark: open + load + run + close a small fixture N times; the fd count and RSS must not grow.
// Usage: node [--expose-gc] dist/bench/leak.js [cycles=10000] [fixture=leak]   (KPTRLAB_LEAK_RSS_MIB: RSS bound, default 16)
// Fixtures are test/fixtures/bpf/<name>.bpf.c with a tc program returning 7: 'leak' (fast, no CO-RE) or 'globals'
// (CO-RE, so every load also parses vmlinux BTF: about 80 ms per cycle).
import { readdirSync } from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { compileBpf } from '../harness/bpf/compile.js';
import { vmlinuxHeader } from '../harness/bpf/vmlinux-header.js';
import { describeError, ExitCode } from '../harness/util/errors.js';
import { projectPath } from '../harness/util/paths.js';

const MIB = 1024 * 1024;
const PACKET = Buffer.alloc(64);
const FIXTURES: Record<string, { program: string }> = { leak: { program: 'leak_main' }, globals: { program: 'tc_main' } };

interface Sample {
  label: string;
  cycles: number;
  rss: number;
  heap: number;
  fds: number;
}

/** Parses the cycle count argument (positive integer, default 10000). */
function parseCycles(arg: string | undefined): number {
  if (arg === undefined) return 10000;
  const cycles = Number(arg);
  if (!Number.isInteger(cycles) || cycles < 1) throw new RangeError(`cycles must be a positive integer, got ${JSON.stringify(arg)}`);
  return cycles;
}

/** RSS after a full gc when --expose-gc is given (otherwise as is) and the open fd count. */
async function sample(label: string, cycles: number): Promise<Sample> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  // Node-API finalizers (which free the native handles) run on a later event-loop turn, not inside gc().
  await nextTurn();
  gc?.();
  const memory = process.memoryUsage();
  return { label, cycles, rss: memory.rss, heap: memory.heapUsed, fds: readdirSync('/proc/self/fd').length };
}

function print(s: Sample): void {
  console.log(`${s.label.padEnd(6)} cycles=${String(s.cycles).padStart(7)}  rss=${(s.rss / MIB).toFixed(1).padStart(7)} MiB  heapUsed=${(s.heap / MIB).toFixed(1).padStart(6)} MiB  fds=${s.fds}`);
}

async function main(): Promise<number> {
  const cycles = parseCycles(process.argv[2]);
  const fixture = process.argv[3] ?? 'leak';
  const program = FIXTURES[fixture]?.program;
  if (!program) throw new RangeError(`fixture must be one of ${Object.keys(FIXTURES).join(', ')}, got ${JSON.stringify(fixture)}`);
  const boundMib = Number(process.env.KPTRLAB_LEAK_RSS_MIB ?? 16);
  const { BpfObject } = await import('../harness/native/index.js');
  const compiled = await compileBpf({ source: projectPath('test', 'fixtures', 'bpf', `${fixture}.bpf.c`), header: await vmlinuxHeader() });
  if (!compiled.ok) throw new Error(`fixture did not compile: ${compiled.firstError}`);
  if (!(globalThis as { gc?: unknown }).gc) console.log('note: run with node --expose-gc for RSS measured after a full gc');

  const cycle = () => {
    const object = BpfObject.open(compiled.object);
    object.writeGlobal('ret_value', Buffer.from([7, 0, 0, 0]));
    const result = object.load();
    if (!result.ok) throw result.error ?? new Error('load failed');
    if (object.testRun(program, { dataIn: PACKET }).retval !== 7) throw new Error('unexpected retval');
    object.getU64('run_count');
    object.close();
  };

  console.log(`fixture ${fixture}: ${cycles} cycles of open + load + test_run + global read + close`);
  const start = await sample('start', 0);
  print(start);
  const step = Math.max(1, Math.floor(cycles / 10));
  const samples: Sample[] = [];
  const began = process.hrtime.bigint();
  for (let i = 1; i <= cycles; i++) {
    cycle();
    // A synchronous loop would never let finalizers run; real callers are async, so yield now and then.
    if (i % 100 === 0) await nextTurn();
    if (i % step === 0 || i === cycles) {
      const s = await sample(i === cycles ? 'end' : `${Math.round((i / cycles) * 100)}%`, i);
      samples.push(s);
      print(s);
    }
  }
  const seconds = Number(process.hrtime.bigint() - began) / 1e9;
  // The first 10 % warms up V8, libbpf's feature cache and malloc arenas; growth is measured after it.
  const warm = samples[0] ?? start;
  const end = samples[samples.length - 1] ?? start;
  const growthMib = (end.rss - warm.rss) / MIB;
  console.log(`${cycles} cycles in ${seconds.toFixed(1)} s (${((seconds * 1e6) / cycles).toFixed(0)} us/cycle)`);
  console.log(`fds: start ${start.fds}, end ${end.fds}; rss: start ${(start.rss / MIB).toFixed(1)} MiB, after warm-up ${(warm.rss / MIB).toFixed(1)} MiB, end ${(end.rss / MIB).toFixed(1)} MiB (growth after warm-up ${growthMib.toFixed(1)} MiB, bound ${boundMib} MiB)`);
  const failures: string[] = [];
  if (end.fds > start.fds) failures.push(`fd count grew from ${start.fds} to ${end.fds}`);
  if (growthMib > boundMib) failures.push(`RSS grew ${growthMib.toFixed(1)} MiB after warm-up (bound ${boundMib} MiB)`);
  for (const failure of failures) console.log(`LEAK: ${failure}`);
  if (failures.length === 0) console.log('no leak detected');
  return failures.length ? ExitCode.testsFailed : ExitCode.ok;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const usage = error instanceof RangeError;
    console.error(usage ? `usage error: ${error.message}` : describeError(error));
    process.exit(usage ? ExitCode.usage : ExitCode.unavailable);
  },
);
