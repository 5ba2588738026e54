import type { RunEvent } from '../results/events.js';
import type { RunResults } from '../results/model.js';

/** A reporter turns run events into output; it owns its stream and never influences the run. `state` is the reducer's fold of every event so far. */
export interface Reporter {
  onEvent(event: RunEvent, state: RunResults): void;
}

export interface ReporterContext {
  write: (text: string) => void;
  /** Whether live progress lines may be redrawn (a terminal, and KPTRLAB_NO_UI unset). */
  live: boolean;
}
