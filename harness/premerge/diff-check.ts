// Checks a patch's unified diff on its own, before any tree sees it: every hunk must hold exactly the lines its header
// counts, each a context (' '), removed ('-') or added ('+') line. Mail clients and copy-paste break exactly this.

export interface DiffProblem {
  file: string;
  /** 1-based hunk number within the file, and its header. */
  hunk: number;
  header: string;
  /** 1-based line within the text checked. */
  line: number;
  message: string;
}

export interface DiffSummary {
  files: string[];
  hunks: number;
  problems: DiffProblem[];
}

const FILE = /^diff --git a\/(\S+) b\/(\S+)/;
// A plain `diff -u` (no git header): the file is named by its ---/+++ pair.
const NEW_FILE = /^\+\+\+ (\S+)/;
const HUNK = /^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@/;

/** The files, hunk count and every malformed hunk of the diff(s) in text (commit message and signature ignored). */
export function checkDiff(text: string): DiffSummary {
  const lines = text.split('\n');
  const files: string[] = [];
  const problems: DiffProblem[] = [];
  let hunks = 0;
  let file = '';
  let hunkInFile = 0;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    const start = FILE.exec(line);
    if (start) {
      file = start[2]!;
      files.push(file);
      hunkInFile = 0;
      continue;
    }
    const plain = NEW_FILE.exec(line);
    if (plain && lines[index - 1]?.startsWith('--- ')) {
      const named = plain[1] === '/dev/null' ? lines[index - 1]!.slice(4).split(/\s/)[0]! : plain[1]!;
      const path = named.replace(/^[^/]+\//, '');
      if (files.at(-1) !== path) files.push(path);
      if (file !== path) hunkInFile = 0;
      file = path;
      continue;
    }
    const hunk = HUNK.exec(line);
    if (!hunk || !file) continue;
    hunks++;
    hunkInFile++;
    let oldLeft = hunk[1] === undefined ? 1 : Number(hunk[1]);
    let newLeft = hunk[2] === undefined ? 1 : Number(hunk[2]);
    const where = { file, hunk: hunkInFile, header: line.replace(/ @@.*$/, ' @@') };
    while (oldLeft > 0 || newLeft > 0) {
      index++;
      const body = lines[index];
      if (body === undefined || FILE.test(body) || HUNK.test(body)) {
        problems.push({ ...where, line: index + 1, message: `the hunk ends ${oldLeft} old and ${newLeft} new line(s) early: the patch was cut short or lines were lost` });
        index--;
        break;
      }
      const kind = body[0];
      if (kind === ' ' || body === '') {
        oldLeft--;
        newLeft--;
      } else if (kind === '-') oldLeft--;
      else if (kind === '+') newLeft--;
      else if (kind === '\\') continue;
      else {
        problems.push({ ...where, line: index + 1, message: `line ${JSON.stringify(body.slice(0, 80))} is neither context (' '), removed ('-') nor added ('+'): its leading space was lost, as a mail client or a copy-paste does` });
        // The rest of this hunk cannot be trusted; go on with the next hunk.
        while (index + 1 < lines.length && !FILE.test(lines[index + 1]!) && !HUNK.test(lines[index + 1]!)) index++;
        break;
      }
      if (oldLeft < 0 || newLeft < 0) {
        problems.push({ ...where, line: index + 1, message: 'the hunk holds more lines than its header counts: lines were added or split' });
        break;
      }
    }
  }
  return { files, hunks, problems };
}
