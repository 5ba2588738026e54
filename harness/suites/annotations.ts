// Reads a verifier case's expectations from its BTF decl tags (kptrlab.accept=, kptrlab.msg.<level>=, ...).
import { LEVELS, type Level } from '../results/vocab.js';

export interface CaseExpectation {
  /** Levels on which the program must load; every other level must reject. */
  acceptOn: Level[];
  /** Per-level regex the log must match when rejected; '*' covers levels without their own. */
  messages: Partial<Record<Level | '*', string>>;
  description: string;
  needsWalk: boolean;
}

export type AnnotationResult = { ok: true; expectation: CaseExpectation } | { ok: false; problem: string };

const PREFIX = 'kptrlab.';
/** The tag every case carries (its accept= list): the agent loads only programs tagged so. */
export const CASE_TAG_PREFIX = `${PREFIX}accept=`;

/** True when the program carries kptrlab annotations (i.e. is a verifier case). */
export function isCase(tags: readonly string[]): boolean {
  return tags.some((tag) => tag.startsWith(CASE_TAG_PREFIX));
}

/** Parses the decl tags of one program; problems name the bad tag so the case author can fix it. */
export function parseAnnotations(tags: readonly string[]): AnnotationResult {
  const expectation: CaseExpectation = { acceptOn: [], messages: {}, description: '', needsWalk: false };
  let sawAccept = false;
  for (const tag of tags) {
    if (!tag.startsWith(PREFIX)) continue;
    const eq = tag.indexOf('=');
    if (eq < 0) return { ok: false, problem: `decl tag "${tag}" has no "="` };
    const key = tag.slice(PREFIX.length, eq);
    const value = tag.slice(eq + 1);
    if (key === 'accept') {
      sawAccept = true;
      const levels = value.split(',').map((part) => part.trim()).filter(Boolean);
      const unknown = levels.filter((level) => !(LEVELS as readonly string[]).includes(level));
      if (unknown.length) return { ok: false, problem: `kptrlab.accept names unknown level(s) ${unknown.join(', ')}; valid: ${LEVELS.join(', ')}` };
      expectation.acceptOn = levels as Level[];
    } else if (key.startsWith('msg.')) {
      const level = key.slice(4);
      if (level !== '*' && !(LEVELS as readonly string[]).includes(level)) return { ok: false, problem: `kptrlab.msg.${level}: unknown level; valid: *, ${LEVELS.join(', ')}` };
      try {
        new RegExp(value);
      } catch (error) {
        return { ok: false, problem: `kptrlab.msg.${level}: invalid regex ${JSON.stringify(value)}: ${(error as Error).message}` };
      }
      expectation.messages[level as Level | '*'] = value;
    } else if (key === 'desc') {
      expectation.description = value;
    } else if (key === 'needs') {
      if (value !== 'walk') return { ok: false, problem: `kptrlab.needs=${value}: only "walk" is known` };
      expectation.needsWalk = true;
    } else {
      return { ok: false, problem: `unknown annotation "${PREFIX}${key}"; known: accept, msg.<level>, desc, needs` };
    }
  }
  if (!sawAccept) return { ok: false, problem: 'no kptrlab.accept tag' };
  return { ok: true, expectation };
}
