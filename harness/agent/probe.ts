// Capability probe on the target: kfunc presence from the kernel's BTF, then small probe programs loaded one by one.
import { BpfObject, kernelBtfHasFunc } from '../native/index.js';
import { WALK_KFUNCS, type ProbeFacts } from '../suites/capability.js';
import { decidingLine } from '../suites/verdict.js';
import { loadSingleProgram } from './single-load.js';

/** Collects the raw facts; the orchestrator derives the level from them. */
export function probeKernel(objects: readonly string[]): ProbeFacts {
  const kfuncs: Record<string, boolean> = {};
  for (const name of [...WALK_KFUNCS, 'bpf_rbtree_first', 'bpf_obj_new_impl', 'bpf_refcount_acquire_impl']) kfuncs[name] = kernelBtfHasFunc(name);
  const probes: ProbeFacts['probes'] = {};
  for (const path of objects) {
    const listing = BpfObject.open(path);
    const names = listing.programs().map((program) => program.name);
    listing.close();
    for (const name of names) {
      const result = loadSingleProgram(path, name, 5);
      probes[name] = result.loaded ? { loaded: true } : { loaded: false, message: decidingLine(result.log) || 'rejected without a log' };
    }
  }
  return { kfuncs, probes };
}
