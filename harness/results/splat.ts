// Finds kernel splats (panic, Oops, BUG, WARNING, KASAN, lockdep, RCU stall, hung task, verifier bug) in console or dmesg text.

export type SplatKind = 'panic' | 'oops' | 'bug' | 'warning' | 'kasan' | 'lockdep' | 'rcu-stall' | 'hung-task' | 'verifier-bug';

export interface Splat {
  kind: SplatKind;
  /** The line that matched, without the printk timestamp. */
  line: string;
  /** 0-based line number in the scanned text. */
  lineNo: number;
  /** The matching line and up to EXCERPT_AFTER lines after it. */
  excerpt: string;
}

export const EXCERPT_AFTER = 10;

// Order matters: the first matching rule names the splat (a KASAN report also says "BUG:").
const RULES: ReadonlyArray<{ kind: SplatKind; pattern: RegExp }> = [
  { kind: 'kasan', pattern: /\bBUG: KASAN:|==+\s*KASAN/ },
  { kind: 'lockdep', pattern: /possible recursive locking|inconsistent lock state|INFO: possible circular locking|possible irq lock inversion/ },
  { kind: 'rcu-stall', pattern: /rcu: INFO: rcu_\w+ self-detected stall|rcu_\w+ detected stalls/ },
  { kind: 'hung-task', pattern: /INFO: task .+ blocked for more than/ },
  { kind: 'verifier-bug', pattern: /verifier bug/i },
  { kind: 'panic', pattern: /Kernel panic - not syncing/ },
  { kind: 'oops', pattern: /\bOops(:|\b)|general protection fault/ },
  { kind: 'bug', pattern: /\bBUG:/ },
  { kind: 'warning', pattern: /\bWARNING: (CPU: \d+|at )/ },
];

/** Strips a printk "[   12.345678] " prefix and a trailing \r. */
function bare(line: string): string {
  return line.replace(/\r$/, '').replace(/^(<\d+>)?\[\s*\d+\.\d+\]\s?/, '');
}

/** The rule a single line matches, if any. */
export function classifyLine(line: string): SplatKind | undefined {
  const text = bare(line);
  return RULES.find((rule) => rule.pattern.test(text))?.kind;
}

/** Every splat in `text` with its excerpt; lines inside an earlier splat's excerpt start no new one of the same kind. */
export function scanSplats(text: string): Splat[] {
  const lines = text.split('\n');
  const splats: Splat[] = [];
  const openUntil = new Map<SplatKind, number>();
  lines.forEach((line, lineNo) => {
    const kind = classifyLine(line);
    if (!kind) return;
    // A panic after an Oops is its own finding; a second "BUG:" line of the same report is not.
    if ((openUntil.get(kind) ?? -1) >= lineNo) return;
    openUntil.set(kind, lineNo + EXCERPT_AFTER);
    const excerpt = lines.slice(lineNo, lineNo + EXCERPT_AFTER + 1).map(bare).join('\n').trimEnd();
    splats.push({ kind, line: bare(line), lineNo, excerpt });
  });
  return splats;
}
