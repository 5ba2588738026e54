// __msg / __not_msg patterns: substrings with "{{regex}}" parts, matched in order as test_loader.c's validate_msgs does.

export interface ExpectedMsg {
  /** The pattern as written in the annotation. */
  pattern: string;
  negative: boolean;
  /** Disassembly and stream patterns must match on the line after the previous match. */
  onNextLine: boolean;
  /** Set when the pattern has a "{{...}}" part: the whole pattern as one regular expression. */
  regex: RegExp | null;
}

// test_loader builds the POSIX expression in a 256-byte buffer and rejects longer ones.
const REGEX_BUFFER = 256;
// Characters test_loader escapes outside "{{ }}" (POSIX ERE metacharacters).
const ERE_SPECIAL = new Set('.[]\\()*+?{}|^$');

/** Compiles one annotation pattern; a bad "{{...}}" throws with test_loader's wording. */
export function compilePattern(pattern: string, options: { negative: boolean; onNextLine?: boolean }): ExpectedMsg {
  const base = { pattern, negative: options.negative, onNextLine: options.onNextLine ?? false };
  if (!pattern.includes('{{')) return { ...base, regex: null };
  return { ...base, regex: new RegExp(eretoJs(posixPattern(pattern)), 'm') };
}

// The POSIX ERE test_loader hands to regcomp: literal parts escaped, "{{ }}" parts verbatim.
function posixPattern(pattern: string): string {
  let out = '';
  let bytes = 0;
  let inRegex = false;
  let i = 0;
  while (i < pattern.length && bytes < REGEX_BUFFER - 2) {
    if (!inRegex && pattern.startsWith('{{', i)) {
      inRegex = true;
      i += 2;
      continue;
    }
    if (inRegex && pattern.startsWith('}}', i)) {
      inRegex = false;
      i += 2;
      continue;
    }
    const ch = pattern[i++]!;
    const piece = !inRegex && ERE_SPECIAL.has(ch) ? `\\${ch}` : ch;
    out += piece;
    bytes += Buffer.byteLength(piece);
  }
  if (i < pattern.length) throw new Error(`Regexp too long: '${pattern}'`);
  if (inRegex) throw new Error(`Regexp has open '{{' but no closing '}}': '${pattern}'`);
  return out;
}

// glibc's twelve bracket classes (C locale).
const POSIX_CLASSES: Record<string, string> = {
  alpha: 'a-zA-Z',
  digit: '0-9',
  alnum: 'a-zA-Z0-9',
  upper: 'A-Z',
  lower: 'a-z',
  space: ' \\t\\n\\r\\f\\v',
  blank: ' \\t',
  xdigit: '0-9A-Fa-f',
  punct: '!-\\/:-@\\[-`{-~',
  print: '\\x20-\\x7e',
  graph: '\\x21-\\x7e',
  cntrl: '\\x00-\\x1f\\x7f',
};

// GNU escapes glibc's ERE knows; any other "\\X" is the literal X (so "\\d" is a "d", not a digit).
const GNU_ESCAPES: Record<string, string> = { w: '\\w', W: '\\W', s: '\\s', S: '\\S', b: '\\b', B: '\\B', '<': '\\b', '>': '\\b', '`': '^', "'": '$' };

/** POSIX ERE to a JavaScript RegExp source: bracket classes ([:digit:]) and literal backslashes in brackets. */
export function eretoJs(ere: string): string {
  let out = '';
  let i = 0;
  while (i < ere.length) {
    const ch = ere[i]!;
    if (ch === '\\' && i + 1 < ere.length) {
      const next = ere[i + 1]!;
      out += GNU_ESCAPES[next] ?? (/[A-Za-z0-9]/.test(next) ? next : `\\${next}`);
      i += 2;
      continue;
    }
    // ERE repeats are greedy: "*?" is "(x*)?", never JavaScript's lazy "*?".
    if ((ch === '?' || ch === '*' || ch === '+') && /[*+?}]$/.test(out) && !out.endsWith('\\*') && !out.endsWith('\\+') && !out.endsWith('\\?') && !out.endsWith('\\}')) {
      i += 1;
      continue;
    }
    if (ch !== '[') {
      out += ch;
      i += 1;
      continue;
    }
    // A bracket expression: "]" right after "[" or "[^" is literal; "\" is literal inside (ERE).
    let j = i + 1;
    let body = '';
    let negate = '';
    if (ere[j] === '^') (negate = '^'), j++;
    if (ere[j] === ']') (body += '\\]'), j++;
    while (j < ere.length && ere[j] !== ']') {
      const cls = /^\[:([a-z]+):\]/.exec(ere.slice(j));
      if (cls) {
        const translated = POSIX_CLASSES[cls[1]!];
        if (translated === undefined) throw new Error(`Regexp compilation error: unknown class [:${cls[1]}:] in '${ere}'`);
        body += translated;
        j += cls[0].length;
        continue;
      }
      const c = ere[j]!;
      body += c === '\\' || c === '[' ? `\\${c}` : c;
      j += 1;
    }
    if (j >= ere.length) throw new Error(`Regexp compilation error in '${ere}': brackets ([ ]) not balanced`);
    // REG_NEWLINE: a non-matching list never matches a newline.
    out += negate ? `[^${body}\\n]` : `[${body}]`;
    i = j + 1;
  }
  try {
    new RegExp(out, 'm');
  } catch (error) {
    throw new Error(`Regexp compilation error in '${ere}': ${(error as Error).message}`);
  }
  return out;
}

interface Span {
  start: number;
  end: number;
  line: number;
}

// One pattern searched from `from`: the match's start and end offsets in `log`, or null.
function findFrom(msg: ExpectedMsg, log: string, from: number): { start: number; end: number } | null {
  if (!msg.regex) {
    const at = log.indexOf(msg.pattern, from);
    return at < 0 ? null : { start: at, end: at + msg.pattern.length };
  }
  // regexec on a pointer into the log: "^" also matches at that point, as here on the slice.
  const found = msg.regex.exec(log.slice(from));
  return found ? { start: from + found.index, end: from + found.index + found[0].length } : null;
}

function countLines(log: string, start: number, end: number): number {
  let lines = 0;
  for (let i = start; i < end; i++) if (log[i] === '\n') lines++;
  return lines;
}

export interface MsgCheck {
  ok: boolean;
  /** test_loader's report: MATCHED/EXPECTED/UNEXPECTED/WRONG LINE per pattern up to the failing one. */
  report: string;
}

/** validate_msgs: positives in order, each after the previous match; negatives between their bracketing positives. */
export function validateMsgs(log: string, msgs: readonly ExpectedMsg[]): MsgCheck {
  const matches: Array<Span | null> = msgs.map(() => null);
  let cursor = 0;
  let previous = 0;
  let line = 0;
  msgs.forEach((msg, index) => {
    if (msg.negative) return;
    const found = findFrom(msg, log, cursor);
    if (!found) return;
    line += countLines(log, previous, found.start);
    matches[index] = { start: found.start, end: found.end, line };
    previous = found.start;
    cursor = found.end;
  });
  let spanStart = 0;
  for (let i = 0; i < msgs.length; i++) {
    if (!msgs[i]!.negative) {
      spanStart = matches[i]?.end ?? spanStart;
      continue;
    }
    let spanEnd = log.length;
    let nextPositive = i + 1;
    for (; nextPositive < msgs.length; nextPositive++) {
      if (!msgs[nextPositive]!.negative) {
        spanEnd = matches[nextPositive]?.start ?? 0;
        break;
      }
    }
    // As in test_loader, every negative of the stretch is searched with the stretch's first pattern.
    for (let j = i; j < nextPositive; j++) {
      const found = findFrom(msgs[i]!, log, spanStart);
      if (found && found.end <= spanEnd) matches[j] = { start: found.start, end: found.end, line: 0 };
    }
    i = nextPositive - 1;
  }
  let previousMatch: Span | null = null;
  for (let i = 0; i < msgs.length; i++) {
    const msg = msgs[i]!;
    const match = matches[i];
    const noMatch = !msg.negative && !match;
    const wrongLine = !msg.negative && msg.onNextLine && previousMatch !== null && previousMatch.line + 1 !== (match?.line ?? 0);
    const unexpected = msg.negative && match !== null;
    if (noMatch || wrongLine || unexpected) {
      const lines = msgs.slice(0, i + 1).map((entry, j) => {
        const status = j < i ? 'MATCHED   ' : wrongLine ? 'WRONG LINE' : noMatch ? 'EXPECTED  ' : 'UNEXPECTED';
        return `${status} ${entry.regex ? ' REGEX' : 'SUBSTR'}: '${entry.pattern}'`;
      });
      if (wrongLine) lines.push(`expecting match at line ${previousMatch!.line + 1}, actual match is at line ${match?.line ?? 0}`);
      return { ok: false, report: lines.join('\n') };
    }
    if (!msg.negative) previousMatch = match ?? null;
  }
  return { ok: true, report: '' };
}
