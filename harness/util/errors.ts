// Errors with a stable code, the stage that failed and what to do next (cause kept for debugging).

/** Exit codes: 0 all passed, 1 a test/case/benchmark failed, 2 bad usage or config, 69 infrastructure unavailable, 130 interrupted. */
export const ExitCode = {
  ok: 0,
  testsFailed: 1,
  usage: 2,
  unavailable: 69,
  interrupted: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface KptrlabErrorOptions {
  /** What the user should do next, one sentence. */
  hint?: string;
  cause?: unknown;
  exitCode?: ExitCodeValue;
}

/** Base error: `code` is stable (for scripts), `hint` says how to fix it. */
export class KptrlabError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly exitCode: ExitCodeValue;

  constructor(code: string, message: string, options: KptrlabErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KptrlabError';
    this.code = code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? ExitCode.unavailable;
  }
}

/** Formats any thrown value as "message (code)\n  hint: ..." for the terminal. */
export function describeError(error: unknown): string {
  if (error instanceof KptrlabError) {
    const lines = [`${error.message} [${error.code}]`];
    if (error.hint) lines.push(`  fix: ${error.hint}`);
    const cause = error.cause instanceof Error ? error.cause.message : undefined;
    if (cause && cause !== error.message) lines.push(`  cause: ${cause}`);
    return lines.join('\n');
  }
  if (error instanceof Error) return error.stack ?? error.message;
  return String(error);
}
