// Where the agent bundle is, and the check every target makes on the agent's hello: same protocol, or refuse.
import { existsSync } from 'node:fs';
import { AGENT_PROTOCOL_VERSION } from '../agent/protocol.js';
import { KptrlabError } from '../util/errors.js';
import { projectPath } from '../util/paths.js';

/** The one file a target runs (`node kptrlab-agent.mjs <request | ->`), built by `npm run build:agent`. */
export const AGENT_BUNDLE = projectPath('dist', 'agent', 'kptrlab-agent.mjs');
export const AGENT_BUNDLE_MANIFEST = projectPath('dist', 'agent', 'manifest.json');

/** The bundle's path; a clear error when it was not built. */
export function agentBundle(): string {
  if (!existsSync(AGENT_BUNDLE)) {
    throw new KptrlabError('AGENT_NOT_BUILT', `the agent bundle ${AGENT_BUNDLE} is missing`, { hint: 'Run npm run build (or npm run build:agent).' });
  }
  return AGENT_BUNDLE;
}

/** Why an agent's hello cannot be trusted (another protocol version), or undefined. */
export function helloProblem(protocol: unknown): string | undefined {
  if (protocol === AGENT_PROTOCOL_VERSION) return undefined;
  return `the agent speaks protocol ${String(protocol)}, this kptrlab speaks ${AGENT_PROTOCOL_VERSION}: it is an agent bundle from another kptrlab version`;
}
