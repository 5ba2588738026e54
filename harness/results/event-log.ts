// The append-only event log: one JSON line per event, written with a synchronous write as it happens, so a crash
// or a kill loses at most the event being written; the reader tolerates exactly that (a cut last line).
import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { EVENTS_SCHEMA, EVENTS_SCHEMA_VERSION, type RunEvent } from './events.js';

export const EVENT_LOG_NAME = 'events.ndjson';

export class EventLogWriter {
  private fd: number | undefined;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    // 'a': appends only; an existing log is never truncated.
    this.fd = openSync(path, 'a');
  }

  append(event: RunEvent): void {
    if (this.fd === undefined) throw new Error(`event log ${this.path} is closed`);
    writeSync(this.fd, `${JSON.stringify(event)}\n`);
  }

  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }
}

export class EventLogError extends Error {
  constructor(readonly path: string, readonly line: number, message: string) {
    super(`${path}:${line}: ${message}`);
    this.name = 'EventLogError';
  }
}

/** The events of a log; `truncated` when the last line was cut off mid-write (a crash), which is dropped. */
export function readEventLog(path: string): { events: RunEvent[]; truncated: boolean } {
  const lines = readFileSync(path, 'utf8').split('\n');
  // A complete log ends with a newline, so the last piece is empty; anything else there was cut off.
  const tail = lines.pop() ?? '';
  const events: RunEvent[] = [];
  lines.forEach((line, index) => {
    let event: RunEvent;
    try {
      event = JSON.parse(line) as RunEvent;
    } catch (error) {
      throw new EventLogError(path, index + 1, `not a JSON event (${(error as Error).message}); only the last line of a log may be cut off`);
    }
    if (index === 0) checkHeader(path, event);
    events.push(event);
  });
  if (events.length === 0 && tail === '') throw new EventLogError(path, 1, 'the log is empty');
  return { events, truncated: tail !== '' };
}

function checkHeader(path: string, event: RunEvent): void {
  if (event.type !== 'run-start' || event.schema !== EVENTS_SCHEMA) {
    throw new EventLogError(path, 1, `not a kptrlab event log: the first event must be run-start with schema ${EVENTS_SCHEMA}`);
  }
  if (event.schemaVersion !== EVENTS_SCHEMA_VERSION) {
    throw new EventLogError(path, 1, `event log schema version ${String(event.schemaVersion)}, this kptrlab reads version ${EVENTS_SCHEMA_VERSION}`);
  }
}
