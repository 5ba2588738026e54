// Capability probe on the target: kfunc presence from the kernel's BTF, then small probe programs loaded one by one.
import { BpfObject, kernelBtfHasFunc } from '../native/index.js';
import type { AgentProbeFacts, ProbeRequest } from './protocol.js';
import { loadSingleProgram } from './single-load.js';

/** Collects the raw facts; the orchestrator derives the level (and the deciding log lines) from them. */
export function probeKernel(request: ProbeRequest): AgentProbeFacts {
  const kfuncs: Record<string, boolean> = {};
  for (const name of request.kfuncs) kfuncs[name] = kernelBtfHasFunc(name);
  const probes: AgentProbeFacts['probes'] = {};
  for (const path of request.objects) {
    const listing = BpfObject.open(path);
    const names = listing.programs().map((program) => program.name);
    listing.close();
    for (const name of names) {
      const result = loadSingleProgram(path, name, 5);
      probes[name] = { loaded: result.loaded, log: result.loaded ? '' : result.log };
    }
  }
  return { kfuncs, probes };
}
