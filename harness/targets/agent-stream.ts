// Reads the agent's NDJSON stdout, wherever it runs: events are forwarded, a missing 'done' becomes AGENT_CRASHED.
import type { AgentEvent } from '../agent/protocol.js';
import { failureReport } from '../util/child.js';
import { KptrlabError } from '../util/errors.js';

export class AgentStream {
  private finished = false;

  constructor(private readonly onEvent: (event: AgentEvent) => void) {}

  /** Handles one stdout line; anything that is not a JSON object (stray prints) is ignored. */
  line = (text: string): void => {
    if (!text.startsWith('{')) return;
    const event = JSON.parse(text) as AgentEvent;
    if (event.type === 'done') this.finished = true;
    this.onEvent(event);
  };

  /** Throws AGENT_CRASHED with the stderr tail (and any extra context) unless the agent said 'done'. */
  assertFinished(what: string, exit: string, stderr: string, extra = ''): void {
    if (this.finished) return;
    throw new KptrlabError('AGENT_CRASHED', `${what} ended without finishing (exit ${exit})${failureReport(what, 'kptrlab agent', [], stderr)}${extra}`, {
      hint: "Results received so far are kept; the agent's stderr quoted here says where it stopped.",
    });
  }
}
