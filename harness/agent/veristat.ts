// The veristat-style pass on the target: every program of an object loaded alone at log level 4 (statistics only),
// as the tree's veristat does, so instructions, states and peak states can be compared kernel to kernel.
import { BpfObject } from '../native/index.js';
import { emit } from './emit.js';
import type { VeristatJob, VeristatRequest } from './protocol.js';

// BPF_LOG_STATS: the statistics trailer without the instruction-by-instruction log.
const LOG_LEVEL_STATS = 4;

export function runVeristat(request: VeristatRequest): void {
  for (const job of request.jobs) runJob(job);
}

function runJob(job: VeristatJob): void {
  let object: BpfObject | undefined;
  let progSize = 0;
  try {
    object = BpfObject.open(job.object);
    for (const program of object.programs()) object.setAutoload(program.name, program.name === job.program);
    const result = object.load({ logLevel: LOG_LEVEL_STATS });
    // Read after the load, as veristat does: libbpf appends the subprograms a program calls.
    progSize = object.programs().find((program) => program.name === job.program)?.insnCount ?? 0;
    const stats = result.programs.find((program) => program.name === job.program)?.stats ?? null;
    emit({ type: 'veristat-result', id: job.id, loaded: result.ok, code: result.error?.code, stats, progSize, error: result.ok ? undefined : firstLine(result.error?.libbpfMessage) });
  } catch (error) {
    // open() or autoload failed: the program never reached the verifier (veristat records a failure too).
    emit({ type: 'veristat-result', id: job.id, loaded: false, stats: null, progSize, error: firstLine((error as Error).message) });
  } finally {
    object?.close();
  }
}

function firstLine(text: string | undefined): string | undefined {
  return text?.split('\n').find((line) => line.trim())?.trim();
}
