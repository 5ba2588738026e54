// Typed events the kernel builder emits; only reporters turn them into text.

/** Stages a kernel build passes through, in order. */
export type KernelStage = 'source' | 'series' | 'kconfig' | 'compile' | 'collect' | 'cache';

/** Everything the builder reports while it works. */
export type KernelEvent =
  | { kind: 'stage'; stage: KernelStage; message: string }
  | { kind: 'progress'; stage: KernelStage; done: number; expected: number | undefined; elapsedMs: number }
  | { kind: 'cache-hit'; key: string; dir: string }
  | { kind: 'lock-wait'; lockPath: string; holderPid: number }
  | { kind: 'note'; message: string }
  | { kind: 'built'; key: string; dir: string; durationMs: number }
  | { kind: 'failed'; message: string; firstError: string | undefined; logPath: string | undefined };

/** Receives builder events; a reporter implements it. */
export type KernelEventSink = (event: KernelEvent) => void;

/** A sink that drops everything (tests, quiet callers). */
export const silentSink: KernelEventSink = () => {};
