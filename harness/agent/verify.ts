// Loads every annotated program of every case object alone and reports the raw verdict, log and stats.
import { BpfObject } from '../native/index.js';
import { emit } from './emit.js';
import type { VerifyRequest } from './protocol.js';
import { loadSingleProgram } from './single-load.js';

/** Streams one 'case' event per annotated program. */
export function runVerify(request: VerifyRequest): void {
  for (const { path, source } of request.objects) {
    let cases: Array<{ name: string; tags: string[] }>;
    try {
      const listing = BpfObject.open(path);
      cases = listing
        .programs()
        .map((program) => ({ name: program.name, tags: listing.declTags(program.name) }))
        .filter((entry) => entry.tags.some((tag) => tag.startsWith(request.caseTagPrefix)));
      listing.close();
    } catch (error) {
      emit({ type: 'object-error', object: path, source, message: (error as Error).message, code: (error as { code?: string }).code });
      continue;
    }
    for (const { name, tags } of cases) {
      const result = loadSingleProgram(path, name, request.logLevel);
      emit({ type: 'case', source, program: name, tags, loaded: result.loaded, code: result.code, log: result.loaded ? '' : result.log, stats: result.stats });
    }
  }
}
