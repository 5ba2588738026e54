// Counts Kbuild's "CC"/"LD" lines and finds the first compiler error in a make log.

/** True for a Kbuild quiet-mode line that finished one compile or link step. */
export function isStepLine(line: string): boolean {
  return /^\s+(CC|LD|AS|AR|HOSTCC|HOSTLD)(\s+\[M\])?\s+\S/.test(line);
}

/** The first `file:line:col: error:` (or fatal error) line of a build log, if any. */
export function firstCompilerError(lines: readonly string[]): string | undefined {
  const compiler = lines.find((l) => /:\d+(:\d+)?: (fatal )?error: /.test(l));
  if (compiler) return compiler.trim();
  return lines.find((l) => /\berror\b|\*\*\*/i.test(l))?.trim();
}

/** Estimated milliseconds left from steps done, steps expected and time spent. */
export function estimateRemainingMs(done: number, expected: number | undefined, elapsedMs: number): number | undefined {
  if (!expected || done < 20 || done >= expected) return undefined;
  return Math.round((elapsedMs / done) * (expected - done));
}
