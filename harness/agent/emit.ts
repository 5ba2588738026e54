import { writeSync } from 'node:fs';
import type { AgentEvent } from './protocol.js';

// Slept on between retries: Atomics.wait blocks this thread without spinning (the agent is synchronous by design).
const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes one event as a JSON line; synchronous so nothing is lost if the agent dies right after. Stdout is a pipe that
 * Node may have made non-blocking: a full pipe (the reader is busy) gives EAGAIN or a partial write, so the rest is
 * written once the reader drains it, never dropped and never fatal.
 */
export function emit(event: AgentEvent): void {
  const bytes = Buffer.from(`${JSON.stringify(event)}\n`);
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(1, bytes, offset);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      Atomics.wait(pause, 0, 0, 2);
    }
  }
}
