import { writeSync } from 'node:fs';
import type { AgentEvent } from './protocol.js';

/** Writes one event as a JSON line; synchronous so nothing is lost if the agent dies right after. */
export function emit(event: AgentEvent): void {
  writeSync(1, `${JSON.stringify(event)}\n`);
}
