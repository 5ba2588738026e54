// Runs the rbtree benchmark on the target: per tree size, populate once, interleave variants, then check integrity.
import { BpfObject } from '../native/index.js';
import { benchProgram, KPTR_VARIANTS, type BenchVariant } from '../suites/capability.js';
import { chooseKeys, KEYS_MAX, roundOrder } from '../suites/bench-plan.js';
import { emit } from './emit.js';
import type { BenchRequest } from './protocol.js';
import { loadSingleProgram } from './single-load.js';

// A tc program's test_run input must hold at least an Ethernet header.
const PACKET = new Uint8Array(64);

/** Streams size-start, sample, integrity (or size-error) events for every size. */
export function runBench(request: BenchRequest): void {
  for (const variant of request.rejectProbe) {
    const result = loadSingleProgram(request.object, benchProgram(variant), 5);
    emit({ type: 'bench-rejected', variant, log: result.loaded ? '' : result.log, code: result.loaded ? 'ELOADED' : result.code });
  }
  const measured: BenchVariant[] = [...request.variants.filter((variant) => variant !== 'empty'), 'empty'];
  for (const size of request.sizes) {
    try {
      benchOneSize(request, measured, size);
    } catch (error) {
      emit({ type: 'size-error', size, message: (error as Error).message });
    }
  }
}

function benchOneSize(request: BenchRequest, variants: BenchVariant[], size: number): void {
  const object = BpfObject.open(request.object);
  try {
    const wanted = new Set(['populate', 'check', ...variants.map(benchProgram)]);
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
    emit({ type: 'size-start', size, populateNs: populate.durationNs });
    object.setU32Array('keys', chooseKeys(size, request.seed));
    object.writeGlobal('nkeys', u32(KEYS_MAX));
    object.writeGlobal('lookups', u32(request.lookups));
    let expectedSum = 0;
    let misses = 0;
    const runOnce = (variant: BenchVariant) => {
      const hitsBefore = object.getU64('hits');
      const missesBefore = object.getU64('misses');
      const run = object.testRun(benchProgram(variant), { repeat: request.repeat, dataIn: PACKET });
      const hits = Number(object.getU64('hits') - hitsBefore);
      const missed = Number(object.getU64('misses') - missesBefore);
      if (KPTR_VARIANTS.has(variant)) expectedSum += request.lookups * request.repeat;
      misses += missed;
      return { durationNs: run.durationNs, hits, misses: missed };
    };
    for (let w = 0; w < request.warmup; w++) for (const variant of variants) runOnce(variant);
    for (let round = 0; round < request.samples; round++) {
      for (const variant of roundOrder(variants, round)) {
        const sample = runOnce(variant);
        emit({ type: 'sample', size, variant, round, lookups: request.lookups, ...sample });
      }
    }
    object.testRun('check');
    emit({
      type: 'integrity',
      size,
      expectedSum,
      checkSum: Number(object.getU64('check_sum')),
      expectedNodes: size,
      checkNodes: Number(object.getU64('check_nodes')),
      misses,
    });
  } finally {
    object.close();
  }
}

function u32(value: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value, true);
  return bytes;
}
