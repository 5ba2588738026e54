// Mail messages as a series arrives: an mbox (git format-patch --stdout, b4 am, a mail client's export) or one message.

export interface MailMessage {
  /** Header names lower-cased, values unfolded and decoded (RFC 2047). */
  headers: Map<string, string>;
  /** The body, transfer-decoded (quoted-printable, base64) and mboxrd-unescaped. */
  body: string;
  /** 1-based line of the file where the message starts, its mbox separator (for errors). */
  line: number;
  /** 1-based line of the file where the body starts. */
  bodyLine: number;
}

// An mbox separator: "From <sender> <date>" (git uses "From <sha> Mon Sep 17 00:00:00 2001").
const SEPARATOR = /^From \S+ +\S{3} \S{3} +\d/;
const HEADER = /^([A-Za-z0-9-]+):[ \t]?(.*)$/;

/** Splits an mbox into messages; text without an mbox separator is one message (a saved mail, a format-patch file). */
export function splitMbox(text: string): MailMessage[] {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const starts = lines.flatMap((line, index) => (SEPARATOR.test(line) && (index === 0 || lines[index - 1] === '') ? [index] : []));
  if (starts.length === 0) return [parseMessage(lines, 0, 1)];
  return starts.map((start, i) => parseMessage(lines.slice(start + 1, starts[i + 1] ?? lines.length), start + 1, start + 1));
}

function parseMessage(lines: string[], offset: number, startLine: number): MailMessage {
  const headers = new Map<string, string>();
  let last: string | undefined;
  let index = 0;
  for (; index < lines.length; index++) {
    const line = lines[index]!;
    if (line === '') {
      index++;
      break;
    }
    if (/^[ \t]/.test(line) && last) {
      headers.set(last, `${headers.get(last)} ${line.trim()}`);
      continue;
    }
    const header = HEADER.exec(line);
    // A saved message may run straight from its headers into the body, with no blank line.
    if (!header) break;
    last = header[1]!.toLowerCase();
    headers.set(last, header[2]!);
  }
  for (const [name, value] of headers) headers.set(name, decodeWords(value));
  const raw = lines.slice(index).join('\n');
  const body = unescapeMboxrd(decodeBody(raw, headers.get('content-transfer-encoding')));
  return { headers, body, line: startLine, bodyLine: offset + index + 1 };
}

/** Decodes RFC 2047 encoded words (=?utf-8?q?...?= and =?utf-8?b?...?=) in a header value. */
export function decodeWords(value: string): string {
  return value.replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=(\s+(?==\?))?/g, (_all, charset: string, encoding: string, text: string) => {
    const bytes = encoding.toUpperCase() === 'B'
      ? Buffer.from(text, 'base64')
      : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1');
    return bytes.toString(/^utf-?8$/i.test(charset) ? 'utf8' : 'latin1');
  });
}

/** The body as it was before the mail transport encoded it. */
export function decodeBody(raw: string, encoding: string | undefined): string {
  const kind = encoding?.trim().toLowerCase();
  if (kind === 'base64') return Buffer.from(raw.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (kind === 'quoted-printable') {
    const bytes = raw.replace(/=\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return raw;
}

// mboxrd quotes body lines that start with "From " as ">From " (and ">From " as ">>From "): one level comes off.
function unescapeMboxrd(body: string): string {
  return body.replace(/^>(>*From )/gm, '$1');
}
