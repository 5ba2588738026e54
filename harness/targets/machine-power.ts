// A lab machine's power and console, run on this host: the hard-reset command, and the console read while a kernel boots.
import { spawn } from 'node:child_process';
import { runChild } from '../util/child.js';
import { KptrlabError } from '../util/errors.js';
import { signalGroup, trackGroup } from '../util/lifecycle.js';

/** Console bytes kept: enough for a panic and its backtrace, bounded for a console that never stops talking. */
export const CONSOLE_KEEP_BYTES = 64 * 1024;

export interface ConsoleCapture {
  /** The last lines captured so far ('' when nothing came). */
  tail(lines?: number): string;
  /** Whether the command ended on its own (a snapshot command like `tail -n 200 <log>`, not a stream). */
  ended(): boolean;
  /** Ends the console command (its whole process group). */
  stop(): void;
}

// Serial consoles carry carriage returns and colour codes (systemd's [  OK  ]): kept as plain lines.
function lastLines(text: string, lines: number): string {
  return text.replace(/\r/g, '').replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').trimEnd().split('\n').slice(-lines).join('\n');
}

/** Starts the machine's console command (e.g. [tail, -n, 0, -F, /var/log/conserver/lab1]) and keeps its last output. */
export function startConsole(argv: readonly string[]): ConsoleCapture {
  const child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let kept = '';
  let failed = '';
  const keep = (chunk: Buffer) => {
    kept = (kept + chunk.toString('latin1')).slice(-CONSOLE_KEEP_BYTES);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.on('error', (error) => (failed = `the console command ${argv[0]} did not start: ${error.message}`));
  const untrack = child.pid === undefined ? () => false : trackGroup(child.pid);
  return {
    tail: (lines = 60) => [failed, lastLines(kept, lines)].filter(Boolean).join('\n'),
    ended: () => child.exitCode !== null || child.signalCode !== null || failed !== '',
    stop: () => {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) signalGroup(child.pid, 'SIGKILL');
      untrack();
    },
  };
}

/** The console at the moment of a failure: what a streaming command captured, or a snapshot command run again now. */
export async function consoleAtFailure(capture: ConsoleCapture | undefined, argv: readonly string[] | undefined): Promise<string> {
  if (!capture || !argv) return '';
  if (!capture.ended()) return capture.tail();
  const again = await runChild(argv[0]!, argv.slice(1), { stage: 'console snapshot', timeoutMs: 20_000, allowFailure: true }).catch(() => undefined);
  return again ? lastLines(`${again.stdout}${again.stderr}`, 60) : capture.tail();
}

/** Runs the hard-reset command; throws POWER_RESET_FAILED with its output when it fails or hangs. */
export async function hardReset(machine: string, argv: readonly string[], timeoutSec: number): Promise<void> {
  try {
    const result = await runChild(argv[0]!, argv.slice(1), { stage: `hard reset of ${machine}`, timeoutMs: timeoutSec * 1000, allowFailure: true });
    if (result.exitCode === 0) return;
    throw new KptrlabError('POWER_RESET_FAILED', `hard reset of ${machine} (${argv.join(' ')}) exited with ${result.exitCode}: ${`${result.stderr}${result.stdout}`.trim().slice(0, 300)}`);
  } catch (error) {
    if (error instanceof KptrlabError && error.code === 'POWER_RESET_FAILED') throw error;
    throw new KptrlabError('POWER_RESET_FAILED', `hard reset of ${machine} (${argv.join(' ')}) failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}
