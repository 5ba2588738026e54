// Turns the raw outcome of one bpf_object__load into per-program verdicts (pure: no native calls).
import { BpfError, errnoName } from './errors.js';
import type { RawLoad } from './native-types.js';
import { parseVerifierStats, type VerifierStats } from './stats.js';

/** Code of a program libbpf never tried because an earlier step or program of the same object failed. */
export const NOT_ATTEMPTED = 'ENOTATTEMPTED';

export interface ProgramLoadResult {
  name: string;
  /** The kernel accepted the program in this load (after a failed object load libbpf unloads it again). */
  loaded: boolean;
  log: string;
  stats: VerifierStats | null;
  /** Positive errno when the program was rejected; absent when loaded or not attempted. */
  errno?: number;
  /** Errno name ('EACCES') when rejected; NOT_ATTEMPTED ('ENOTATTEMPTED') when never tried. */
  code?: string;
}

export interface LoadResult {
  ok: boolean;
  /** One entry per autoload program, in libbpf's load order. */
  programs: ProgramLoadResult[];
  error?: BpfError;
  /** Log buffer size (bytes per program) of the final attempt. */
  logSize: number;
  /** Number of load attempts (> 1 when the log buffer had to grow after ENOSPC). */
  attempts: number;
}

// libbpf < 1.5 prints the errno as a number (-13), newer ones by name (-EACCES).
const FAILED_PROG = /prog '([^']+)': failed to load: -?(\d+|E[A-Z0-9]+)/;
const MENTIONED_PROG = /prog '([^']+)':/g;

/** The program libbpf blamed and its errno: "failed to load" first, else the first autoload program it mentioned. */
export function failingProgram(raw: RawLoad): { name: string; errno: number } | undefined {
  const failed = FAILED_PROG.exec(raw.libbpf);
  if (failed?.[1] && failed[2]) return { name: failed[1], errno: /^\d+$/.test(failed[2]) ? Number(failed[2]) : raw.errno };
  const autoload = new Set(raw.programs.filter((p) => p.autoload).map((p) => p.name));
  for (const match of raw.libbpf.matchAll(MENTIONED_PROG)) {
    if (match[1] && autoload.has(match[1])) return { name: match[1], errno: raw.errno };
  }
  return undefined;
}

/** Builds the LoadResult of one attempt; a verifier rejection becomes `ok: false` plus `error`, never a throw. */
export function buildLoadResult(raw: RawLoad, objectName: string, logSize: number, attempts: number): LoadResult {
  const autoload = raw.programs.filter((p) => p.autoload);
  if (raw.errno === 0) {
    const programs = autoload.map((p) => ({ name: p.name, loaded: true, log: p.log, stats: parseVerifierStats(p.log) }));
    return { ok: true, programs, logSize, attempts };
  }
  const culprit = failingProgram(raw);
  // libbpf loads in order and stops at the first failure: earlier programs passed only if loading had started.
  const loadingStarted = FAILED_PROG.test(raw.libbpf);
  let seenCulprit = false;
  const programs = autoload.map((p): ProgramLoadResult => {
    const stats = parseVerifierStats(p.log);
    if (culprit && p.name === culprit.name) {
      seenCulprit = true;
      return { name: p.name, loaded: false, log: p.log, stats, errno: culprit.errno, code: errnoName(culprit.errno) };
    }
    if (loadingStarted && culprit && !seenCulprit) return { name: p.name, loaded: true, log: p.log, stats };
    return { name: p.name, loaded: false, log: p.log, stats, code: NOT_ATTEMPTED };
  });
  const errno = culprit?.errno ?? raw.errno;
  const code = errnoName(errno);
  const culpritLog = autoload.find((p) => p.name === culprit?.name)?.log ?? '';
  const verdict = verdictLine(culpritLog);
  const what = culprit ? `program '${culprit.name}' of '${objectName}' failed to load` : `object '${objectName}' failed to load`;
  const error = new BpfError(`bpf_object__load: ${what} (${code})${verdict ? `: ${verdict}` : ''}`, {
    code,
    errno,
    op: 'bpf_object__load',
    libbpfMessage: raw.libbpf,
  });
  return { ok: false, programs, error, logSize, attempts };
}

const TRAILER = /^(processed \d+ insns|verification time|stack depth|\s*$)/;

/** The verifier's last message before its statistics trailer ("R0 invalid mem access 'map_value_or_null'"). */
export function verdictLine(log: string): string | undefined {
  const lines = log.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i] ?? '';
    if (!TRAILER.test(line)) return line.trim();
  }
  return undefined;
}
