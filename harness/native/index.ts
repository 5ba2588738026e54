// Public API of the libbpf binding; importing it loads the binding (NativeNotBuiltError when missing).
export { BpfError } from './errors.js';
export { parseVerifierStats, type VerifierStats } from './stats.js';
export { NOT_ATTEMPTED, type LoadResult, type ProgramLoadResult } from './load-result.js';
export {
  BpfObject,
  DEFAULT_LOG_LEVEL,
  DEFAULT_LOG_SIZE,
  MAX_LOG_SIZE,
  type GlobalVar,
  type MapInfo,
  type ProgramInfo,
  type TestRunOptions,
  type TestRunResult,
} from './object.js';
export { kernelBtfHasFunc, libbpfRuntimeVersion, libbpfVersion, possibleCpus, probeBpf, probeProgFlags } from './kernel.js';
