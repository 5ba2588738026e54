// From the tree runner's raw verdict to the reported status: the config's series declaration and the deny/allow lists.
import { atLeast, SERIES_LEVEL, type SelftestStatus, type Series } from '../results/vocab.js';
import type { ListMatch } from './manifest.js';
import type { Requirement } from './manifest.js';
import type { RawVerdict } from './judge.js';

export { FAILING, SERIES, SERIES_LEVEL, type SelftestStatus, type Series } from '../results/vocab.js';

export interface Classified {
  status: SelftestStatus;
  reason?: string;
}

/**
 * Applies, in order: the series requirement (a failure is expected only because the config declares the series
 * absent or partial there), then an allow entry. Deny entries never get here: denied tests are not run.
 */
export function classify(raw: RawVerdict, requirement: Requirement | undefined, series: Series | undefined, allow: ListMatch | undefined): Classified {
  const note = (text: string) => (raw.reason ? `${text}; ${raw.reason}` : text);
  if (raw.status === 'skip') return { status: 'skip', reason: raw.reason };
  if (requirement && series && !atLeast(SERIES_LEVEL[series], requirement.level)) {
    const why = `needs level ${requirement.level} (${requirement.reason}); the config declares series: ${series} for this target`;
    if (raw.status === 'fail') return { status: 'expected-fail', reason: note(`expected: ${why}`) };
    return { status: 'unexpected-pass', reason: `passed although it ${why}: the declaration or the kernel is wrong` };
  }
  if (raw.status === 'pass') return { status: 'pass' };
  if (allow && !allow.expired) return { status: 'allowed-fail', reason: note(`allowed until ${allow.entry.expires}: ${allow.entry.reason}`) };
  if (requirement && !series) return { status: 'fail', reason: note(`needs level ${requirement.level}; declare the target's series: to expect this failure`) };
  return { status: 'fail', reason: raw.reason };
}
