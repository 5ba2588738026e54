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

/** The error's message followed by each KptrlabError cause's message: a wrapped child failure keeps its output tail. */
export function messageWithCauses(error: unknown): string {
  const parts: string[] = [];
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    // Only our own errors: execa results and Node errors repeat what the KptrlabError above them already says.
    if (depth > 0 && !(current instanceof KptrlabError)) break;
    if (!parts.some((part) => part.includes(current instanceof Error ? current.message : ''))) parts.push(current.message);
  }
  return parts.join('\n  because: ');
}

/** Formats any thrown value as "message (code)\n  hint: ..." for the terminal. */
export function describeError(error: unknown): string {
  if (error instanceof KptrlabError) {
    const lines = [`${messageWithCauses(error)} [${error.code}]`];
    if (error.hint) lines.push(`  fix: ${error.hint}`);
    const innermost = error.cause instanceof Error && !(error.cause instanceof KptrlabError) ? error.cause.message : undefined;
    if (innermost && !lines[0]!.includes(innermost)) lines.push(`  cause: ${innermost.split('\n')[0]}`);
    return lines.join('\n');
  }
  // Errors of layers below util (the binding) that carry their own fix are expected, not crashes: no stack.
  if (error instanceof Error && 'hint' in error && typeof (error as { code?: unknown }).code === 'string') return `${error.message} [${String((error as unknown as { code: string }).code)}]`;
  if (error instanceof Error) return error.stack ?? error.message;
  return String(error);
}
