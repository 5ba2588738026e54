// Reads the agent's NDJSON stdout, wherever it runs: events are forwarded, a missing 'done' becomes AGENT_CRASHED.
import type { AgentEvent } from '../agent/protocol.js';
import { failureReport } from '../util/child.js';
import { KptrlabError } from '../util/errors.js';
import { helloProblem } from './agent-bundle.js';

export class AgentStream {
  private finished = false;
  /** A line that began like an event but did not parse, unless a good event followed it. */
  private truncated: string | undefined;
  /** Set when the first event is not a hello of this protocol: nothing after it is believed. */
  private refused: string | undefined;
  private greeted = false;

  constructor(private readonly onEvent: (event: AgentEvent) => void) {}

  /** Handles one stdout line; anything that is not a JSON object (stray prints) is ignored. */
  line = (text: string): void => {
    if (!text.startsWith('{')) return;
    let event: AgentEvent;
    try {
      event = JSON.parse(text) as AgentEvent;
    } catch {
      // An agent killed mid-write leaves half an event: that is a crash, reported by assertFinished, not a parse error.
      this.truncated = text;
      return;
    }
    this.truncated = undefined;
    if (this.refused) return;
    if (!this.greeted) {
      this.greeted = true;
      this.refused = event.type === 'hello' ? helloProblem(event.protocol) : `the agent's first event was ${event.type}, not hello`;
      if (this.refused) return;
    }
    if (event.type === 'done') this.finished = true;
    this.onEvent(event);
  };

  /** Throws AGENT_CRASHED with the stderr tail (and any extra context) unless the agent said 'done'. */
  assertFinished(what: string, exit: string, stderr: string, extra = ''): void {
    if (this.refused) throw new KptrlabError('AGENT_PROTOCOL', `${what}: ${this.refused}`, { hint: 'Rebuild with npm run build so the bundle a target runs matches this kptrlab.' });
    if (this.finished) return;
    const cut = this.truncated === undefined ? '' : `\nits last event was cut off: ${this.truncated.slice(0, 200)}`;
    throw new KptrlabError('AGENT_CRASHED', `${what} ended without finishing (exit ${exit})${failureReport(what, 'kptrlab agent', [], stderr)}${cut}${extra}`, {
      hint: "Results received so far are kept; the agent's stderr quoted here says where it stopped.",
    });
  }
}
