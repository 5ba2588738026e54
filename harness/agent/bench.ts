// Runs the rbtree benchmark on the target: per tree size, populate once, interleave variants, then count what landed.
import { BpfObject } from '../native/index.js';
import { chooseKeys, keyOffset, roundOrder } from './bench-plan.js';
import { runRounds } from './bench-sampling.js';
import { emit } from './emit.js';
import { AGENT_BENCH_VARIANTS, type AgentBenchVariant, type BenchRequest } from './protocol.js';
import { loadSingleProgram } from './single-load.js';

// A tc program's test_run input must hold at least an Ethernet header.
const PACKET = new Uint8Array(64);

/** Streams size-start, sample (warm-up rounds too, round < 0), size-sampled (with precision), integrity (or size-error) events for every size. */
export function runBench(request: BenchRequest): void {
  for (const variant of request.rejectProbe) {
    const result = loadSingleProgram(request.object, AGENT_BENCH_VARIANTS[variant].program, 5);
    emit({ type: 'bench-rejected', variant, log: result.loaded ? '' : result.log, code: result.loaded ? 'ELOADED' : result.code });
  }
  const measured: AgentBenchVariant[] = [...request.variants.filter((variant) => variant !== 'empty'), 'empty'];
  for (const size of request.sizes) {
    try {
      benchOneSize(request, measured, size);
    } catch (error) {
      emit({ type: 'size-error', size, message: (error as Error).message });
    }
  }
}

function benchOneSize(request: BenchRequest, variants: AgentBenchVariant[], size: number): void {
  const object = BpfObject.open(request.object);
  try {
    const wanted = new Set(['populate', 'check', ...variants.map((variant) => AGENT_BENCH_VARIANTS[variant].program)]);
    for (const program of object.programs()) object.setAutoload(program.name, wanted.has(program.name));
    const load = object.load({ logLevel: 4 });
    if (!load.ok) {
      const failed = load.programs.find((program) => !program.loaded && program.log);
      emit({ type: 'size-error', size, message: `bench object did not load: ${load.error?.message ?? 'unknown error'}`, log: failed?.log });
      return;
    }
    object.writeGlobal('nr_nodes', u32(size));
    const populate = object.testRun('populate');
    const populated = Number(object.getU64('populated'));
    if (populate.retval !== 0 || populated !== size) {
      emit({ type: 'size-error', size, message: `populate inserted ${populated} of ${size} nodes (retval ${populate.retval}, last_err ${object.getU64('last_err')})` });
      return;
    }
    // The key array's length is the object's: no constant to keep in step with the C source.
    const keysLength = globalSize(object, 'keys') / 4;
    object.setU32Array('keys', chooseKeys(size, request.seed, keysLength));
    object.writeGlobal('lookups', u32(request.lookups));
    emit({ type: 'size-start', size, populateNs: populate.durationNs, keys: keysLength });
    const runOnce = (variant: AgentBenchVariant, round: number, offset: number): number => {
      const hitsBefore = object.getU64('hits');
      const missesBefore = object.getU64('misses');
      object.writeGlobal('key_cursor', u32(offset));
      const run = object.testRun(AGENT_BENCH_VARIANTS[variant].program, { repeat: request.repeat, dataIn: PACKET });
      const hits = Number(object.getU64('hits') - hitsBefore);
      const misses = Number(object.getU64('misses') - missesBefore);
      emit({ type: 'sample', size, variant, round, lookups: request.lookups, durationNs: run.durationNs, hits, misses, keyOffset: offset });
      return run.durationNs;
    };
    // The calibrated cost of every measured round per non-empty variant: what the stop rule judges, as the cells will.
    const perAccess = new Map<AgentBenchVariant, number[]>(variants.filter((variant) => variant !== 'empty').map((variant) => [variant, []]));
    // Warm-up rounds are numbered -warmup..-1; every round of every variant reads the same key window, and an extra
    // round reads on where the last one stopped (keyOffset), so integrity covers extra rounds like the fixed ones.
    const runRound = (run: number) => {
      const round = run - request.warmup;
      const offset = keyOffset(run, request.lookups, request.repeat, keysLength);
      const durations = new Map<AgentBenchVariant, number>();
      for (const variant of roundOrder(variants, round)) durations.set(variant, runOnce(variant, round, offset));
      if (round >= 0) for (const [variant, values] of perAccess) values.push((durations.get(variant)! - durations.get('empty')!) / request.lookups);
    };
    const sampled = runRounds(request, runRound, [...perAccess.values()]);
    if (sampled.stop) emit({ type: 'size-sampled', size, rounds: sampled.measuredRounds, stop: sampled.stop, elapsedMs: Math.round(sampled.elapsedMs) });
    object.testRun('check');
    const counts = readU64Array(object, 'check_counts');
    const distinct = readU64Array(object, 'check_distinct');
    const counted: Partial<Record<AgentBenchVariant, { accesses: number; distinctNodes: number }>> = {};
    for (const variant of variants) {
      const slot = AGENT_BENCH_VARIANTS[variant].slot;
      if (slot !== null) counted[variant] = { accesses: counts[slot] ?? 0, distinctNodes: distinct[slot] ?? 0 };
    }
    emit({ type: 'integrity', size, nodes: Number(object.getU64('check_nodes')), counted });
  } finally {
    object.close();
  }
}

function globalSize(object: BpfObject, name: string): number {
  const found = object.globals().find((entry) => entry.name === name);
  if (!found) throw new Error(`the bench object has no global ${name}`);
  return found.size;
}

function readU64Array(object: BpfObject, name: string): number[] {
  const bytes = object.readGlobal(name);
  const values: number[] = [];
  for (let offset = 0; offset + 8 <= bytes.length; offset += 8) values.push(Number(bytes.readBigUInt64LE(offset)));
  return values;
}

function u32(value: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value, true);
  return bytes;
}
