// How many verifier cases the suite has: every program in programs/cases tagged with an accept list (KL_ACCEPT or KL_REJECT_ALWAYS).
import { readdirSync, readFileSync } from 'node:fs';
import { projectPath } from '../../harness/util/paths.js';

export function annotatedCaseCount(): number {
  const dir = projectPath('programs', 'cases');
  return readdirSync(dir)
    .filter((name) => name.endsWith('.bpf.c'))
    .reduce((count, name) => count + (readFileSync(`${dir}/${name}`, 'utf8').match(/\bKL_ACCEPT\(|\bKL_REJECT_ALWAYS\b/g)?.length ?? 0), 0);
}
