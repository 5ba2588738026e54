// GitHub-flavoured Markdown pieces: a pipe table whose cells cannot break the row, and inline code that cannot break the span.

/** A cell's text on one line with its pipes escaped (a raw "|" starts a new column even in code, a newline ends the table). */
export function markdownCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** `text` as inline code, with a fence longer than any backtick run inside it. */
export function inlineCode(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text.replace(/\r?\n/g, ' ')}${pad}${fence}`;
}

/** Header row, separator, body rows; columns in `rightAligned` are aligned right. */
export function markdownTable(rows: ReadonlyArray<ReadonlyArray<string>>, rightAligned: ReadonlySet<number> = new Set()): string {
  const [header, ...body] = rows;
  if (!header) return '';
  const line = (cells: ReadonlyArray<string>) => `| ${cells.map(markdownCell).join(' | ')} |`;
  const separator = `|${header.map((_, index) => (rightAligned.has(index) ? '---:' : '---')).join('|')}|`;
  return [line(header), separator, ...body.map(line)].join('\n');
}
