import { BpfObject, type ProgramLoadResult } from '../native/index.js';

/** Opens `path`, loads only `program` (others' autoload off) and returns its verdict; always closes. */
export function loadSingleProgram(path: string, program: string, logLevel: number): ProgramLoadResult {
  const object = BpfObject.open(path);
  try {
    for (const info of object.programs()) object.setAutoload(info.name, info.name === program);
    const result = object.load({ logLevel });
    const mine = result.programs.find((entry) => entry.name === program);
    if (mine) return mine;
    return { name: program, loaded: false, log: result.error?.message ?? 'program missing from load result', stats: null, code: result.error?.code };
  } finally {
    object.close();
  }
}
