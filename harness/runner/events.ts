// The run's spine: every event is folded into the results by the one reducer, appended to the event log, then
// handed to subscribers (reporters, the results.json writer) with the state it produced.
import { EventLogWriter } from '../results/event-log.js';
import type { RunEvent } from '../results/events.js';
import type { RunResults } from '../results/model.js';
import { applyEvent } from '../results/reduce.js';

export type { RunEvent } from '../results/events.js';

export type RunEventListener = (event: RunEvent, state: RunResults) => void;

export class EventBus {
  private readonly listeners: RunEventListener[] = [];
  private current: RunResults | undefined;

  /** Without a log the bus only replays (kptrlab report) or serves tests. */
  constructor(private readonly log?: EventLogWriter) {}

  get state(): RunResults | undefined {
    return this.current;
  }

  subscribe(listener: RunEventListener): void {
    this.listeners.push(listener);
  }

  /** Logs first: a listener that throws, or a crash right after, cannot lose the event. */
  emit(event: RunEvent): void {
    this.log?.append(event);
    this.current = applyEvent(this.current, event);
    for (const listener of [...this.listeners]) {
      try {
        listener(event, this.current);
      } catch (error) {
        // A broken reporter must not stop the measurements: it is reported once and detached.
        this.listeners.splice(this.listeners.indexOf(listener), 1);
        process.stderr.write(`kptrlab: a reporter failed and was detached: ${(error as Error).message}\n`);
      }
    }
  }

  close(): void {
    this.log?.close();
  }
}
