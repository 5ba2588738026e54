// Parses the verifier's statistics lines (log level 4) out of a program's verifier log.

export interface VerifierStats {
  insnsProcessed: number;
  maxStatesPerInsn: number;
  totalStates: number;
  peakStates: number;
  /** 0 when the kernel no longer prints mark_read. */
  markRead: number;
  /** 0 when the log has no "verification time" line. */
  verificationTimeUs: number;
}

const PROCESSED = /processed (\d+) insns \(limit \d+\) max_states_per_insn (\d+) total_states (\d+) peak_states (\d+)(?: mark_read (\d+))?/g;
const TIME = /verification time (\d+) usec/g;

/** Stats from the last "processed N insns ..." line (and "verification time" line); null when absent. */
export function parseVerifierStats(log: string): VerifierStats | null {
  if (typeof log !== 'string') return null;
  const processed = lastMatch(PROCESSED, log);
  if (!processed) return null;
  const time = lastMatch(TIME, log);
  return {
    insnsProcessed: Number(processed[1]),
    maxStatesPerInsn: Number(processed[2]),
    totalStates: Number(processed[3]),
    peakStates: Number(processed[4]),
    markRead: Number(processed[5] ?? 0),
    verificationTimeUs: Number(time?.[1] ?? 0),
  };
}

// A truncated or rotated log may repeat; the last complete line describes the final verdict.
function lastMatch(pattern: RegExp, text: string): RegExpExecArray | undefined {
  pattern.lastIndex = 0;
  let last: RegExpExecArray | undefined;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) last = match;
  return last;
}
