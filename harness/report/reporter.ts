import type { RunEvent } from '../runner/events.js';

/** A reporter turns run events into output; it owns its stream and never influences the run. */
export interface Reporter {
  onEvent(event: RunEvent): void;
}

export interface ReporterContext {
  write: (text: string) => void;
  /** Whether live progress lines may be redrawn (a terminal, and KPTRLAB_NO_UI unset). */
  live: boolean;
}
