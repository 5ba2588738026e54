// Turns kernel builder events into terminal output: a live status line on a TTY, plain lines otherwise.
import type { KernelEvent, KernelEventSink } from './events.js';
import { estimateRemainingMs } from './make-progress.js';

/** Where a reporter writes and whether it may redraw a live line. */
export interface ReporterOptions {
  out: NodeJS.WritableStream;
  live: boolean;
  /** Milliseconds between plain progress lines (default 30 s). */
  plainEveryMs?: number;
  now?: () => number;
}

/** A sink plus close(), which finishes any live line. */
export interface KernelReporter {
  sink: KernelEventSink;
  close: () => void;
}

/** True when live progress is allowed: a terminal, and KPTRLAB_NO_UI is not set. */
export function wantsLiveUi(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(stream.isTTY) && env.KPTRLAB_NO_UI !== '1';
}

/** Formats milliseconds as "1m05s" / "42s". */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** The one-line text for a progress event: stage, files done, elapsed and estimate. */
export function progressText(event: Extract<KernelEvent, { kind: 'progress' }>): string {
  const total = event.expected ? `/${event.expected}` : '';
  const left = estimateRemainingMs(event.done, event.expected, event.elapsedMs);
  return `${event.stage}: ${event.done}${total} files, ${formatDuration(event.elapsedMs)}${left === undefined ? '' : `, ~${formatDuration(left)} left`}`;
}

/** Creates a reporter; with `live` it redraws one status line, otherwise prints throttled plain lines. */
export function createKernelReporter(options: ReporterOptions): KernelReporter {
  const now = options.now ?? Date.now;
  const every = options.plainEveryMs ?? 30_000;
  let liveShown = false;
  let lastPlain = 0;
  const write = (text: string) => {
    if (liveShown) options.out.write('\r\x1b[2K');
    liveShown = false;
    options.out.write(`${text}\n`);
  };
  const sink: KernelEventSink = (event) => {
    switch (event.kind) {
      case 'stage':
        return write(`[${event.stage}] ${event.message}`);
      case 'progress':
        if (options.live) {
          options.out.write(`\r\x1b[2K${progressText(event)}`);
          liveShown = true;
        } else if (now() - lastPlain >= every) {
          lastPlain = now();
          write(progressText(event));
        }
        return;
      case 'cache-hit':
        return write(`[cache] hit ${event.key} (${event.dir})`);
      case 'lock-wait':
        return write(`[cache] waiting for process ${event.holderPid}, which holds ${event.lockPath}`);
      case 'note':
        return write(event.message);
      case 'built':
        return write(`[cache] built ${event.key} in ${formatDuration(event.durationMs)} (${event.dir})`);
      case 'failed':
        write(`[failed] ${event.message.split('\n')[0]}`);
        if (event.firstError) write(`  first error: ${event.firstError}`);
        if (event.logPath) write(`  full log: ${event.logPath}`);
        return;
    }
  };
  return { sink, close: () => liveShown && write('') };
}
