// The reporter the LAVA job runs after the agent: one ES module like the agent bundle, built by `npm run build:agent`.
import { existsSync } from 'node:fs';
import { KptrlabError } from '../util/errors.js';
import { projectPath } from '../util/paths.js';

export const LAVA_REPORT_BUNDLE = projectPath('dist', 'agent', 'kptrlab-lava-report.mjs');
export const LAVA_REPORT_ENTRY = projectPath('dist', 'harness', 'ci', 'lava-report-main.js');

/** The bundle's path; a clear error when it was not built. */
export function lavaReportBundle(): string {
  if (!existsSync(LAVA_REPORT_BUNDLE)) throw new KptrlabError('AGENT_NOT_BUILT', `the LAVA reporter bundle ${LAVA_REPORT_BUNDLE} is missing`, { hint: 'Run npm run build (or npm run build:agent).' });
  return LAVA_REPORT_BUNDLE;
}
