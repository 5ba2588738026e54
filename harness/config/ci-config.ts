// The ci: section of a run config: where generated CI jobs run that need no lab machine (kptrlab ci github).
import type { Cursor } from '../util/yaml-cursor.js';

export interface CiConfig {
  /** Runner labels (all required) for the plan and merge jobs and for shards of QEMU or local targets only. */
  runsOn: string[];
}

export const CI_DEFAULTS = { runsOn: ['ubuntu-latest'] } as const;

// A runner label goes into runs-on as it is: no spaces, commas or expression syntax.
export const RUNNER_LABEL = /^[A-Za-z0-9][A-Za-z0-9_.:+-]*$/;

/** ci: {runsOn: label | [labels]}; absent: ubuntu-latest. */
export function parseCiSection(cursor: Cursor): CiConfig {
  cursor.keys(['runsOn']);
  const at = cursor.at('runsOn');
  if (at.isMissing()) return { runsOn: [...CI_DEFAULTS.runsOn] };
  const labels = at.isScalar() ? [at.string()] : at.stringList();
  if (labels.length === 0) at.fail('at least one runner label', 'Use e.g. "runsOn: ubuntu-latest" or "runsOn: [self-hosted, kvm]", or drop the key for ubuntu-latest.');
  const bad = labels.find((label) => !RUNNER_LABEL.test(label));
  if (bad !== undefined) at.fail('runner labels of letters, digits and "._:+-" (no spaces, commas or ${{ }})', `Rename the label "${bad}" as the runner carries it (e.g. self-hosted, linux, kvm).`);
  return { runsOn: labels };
}
