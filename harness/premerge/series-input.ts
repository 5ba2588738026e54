// A developer's series as sent — an mbox, a folder of `git format-patch` files, or a git range — turned into ordered,
// checked patch files. A patch that is malformed (a mangled hunk) refuses the whole series: nothing is half-applied.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runChild } from '../util/child.js';
import { ExitCode, KptrlabError } from '../util/errors.js';
import { checkDiff } from './diff-check.js';
import { splitMbox, type MailMessage } from './mail.js';
import { parseSubject } from './subject.js';

export interface SeriesPatch {
  /** 1-based position in the series. */
  index: number;
  total: number;
  version: number;
  title: string;
  author: string | undefined;
  /** Where it came from, for messages: "series.mbox:120". */
  origin: string;
  /** The patch as a format-patch file (headers, message, diff). */
  text: string;
  files: string[];
}

export interface Series {
  patches: SeriesPatch[];
  /** What was skipped and why (cover letter, replies, other versions). */
  notes: string[];
}

export interface SeriesOptions {
  /** Test the patches present when some m/n are missing (they keep the numbers they were sent with). */
  allowMissing?: boolean;
}

interface Candidate extends Omit<SeriesPatch, 'index' | 'total'> {
  index: number | undefined;
  total: number | undefined;
  tagged: boolean;
  /** Folder inputs: the file name, which orders untagged patches. */
  name?: string;
}

/** Reads --series: a folder of *.patch/*.diff files, a git range (`<repo>:<a>..<b>`), or an mbox/one saved message. */
export async function readSeries(input: string, options: SeriesOptions = {}): Promise<Series> {
  const range = /^(.*):([^:]*\.\.[^:]*)$/.exec(input);
  if (range && isDirectory(range[1]!)) {
    const mbox = await runChild('git', ['-C', range[1]!, 'format-patch', '--stdout', '--no-signature', range[2]!], { stage: `git format-patch ${range[2]}` });
    if (!mbox.stdout.trim()) throw new KptrlabError('SERIES_EMPTY', `the git range ${range[2]} in ${range[1]} holds no commits`, { hint: 'Name the range as <repo>:<base>..<head>, e.g. ~/linux:bpf-next/master..my-series.', exitCode: ExitCode.usage });
    return seriesFromMessages(candidatesOf(splitMbox(mbox.stdout), input), input, options);
  }
  if (isDirectory(input)) {
    const files = readdirSync(input).filter((name) => /\.(patch|diff)$/.test(name)).sort();
    if (files.length === 0) throw new KptrlabError('SERIES_EMPTY', `${input} holds no *.patch or *.diff files`, { hint: 'Point --series at git format-patch output, an mbox, or <repo>:<base>..<head>.', exitCode: ExitCode.usage });
    const candidates = files.flatMap((name) => candidatesOf(splitMbox(readFileSync(join(input, name), 'utf8')), join(input, name)).map((candidate) => (typeof candidate === 'string' ? candidate : { ...candidate, name })));
    return seriesFromMessages(candidates, input, options);
  }
  let text: string;
  try {
    text = readFileSync(input, 'utf8');
  } catch (error) {
    throw new KptrlabError('SERIES_NOT_FOUND', `cannot read the series ${input}`, { hint: 'Pass an mbox (b4 am, git format-patch --stdout), a folder of patches, or <repo>:<base>..<head>.', cause: error, exitCode: ExitCode.usage });
  }
  return seriesFromMessages(candidatesOf(splitMbox(text), input), input, options);
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

// Every message with a diff in it is a candidate; notes say why the others were left out.
function candidatesOf(messages: MailMessage[], file: string): Array<Candidate | string> {
  return messages.map((message) => {
    const subject = message.headers.get('subject') ?? '';
    const tag = parseSubject(subject);
    const origin = `${file}:${message.line}`;
    if (/^(re|aw|fwd?):/i.test(subject.trim())) return `${origin}: a reply ("${subject.slice(0, 60)}"), not a patch`;
    if (tag.index === 0) return `${origin}: the cover letter ("${tag.title.slice(0, 60)}")`;
    const summary = checkDiff(message.body);
    if (summary.files.length === 0) return `${origin}: no diff in "${subject.slice(0, 60) || 'a message without a subject'}"`;
    const author = message.headers.get('from');
    const header = [author && `From: ${author}`, `Subject: ${subject || `[PATCH] ${firstLine(message.body)}`}`].filter(Boolean).join('\n');
    return { ...tag, title: tag.title || firstLine(message.body), author, origin, text: `${header}\n\n${message.body.replace(/\n*$/, '\n')}`, files: summary.files } satisfies Candidate;
  });
}

function firstLine(text: string): string {
  return text.split('\n').find((line) => line.trim())?.trim().slice(0, 72) ?? '(untitled)';
}

/** Orders the candidates into one series: the newest version only, 1..n with none missing, every diff well formed. */
export function seriesFromMessages(found: Array<Candidate | string>, input: string, options: SeriesOptions = {}): Series {
  const notes = found.filter((entry): entry is string => typeof entry === 'string');
  let candidates = found.filter((entry): entry is Candidate => typeof entry !== 'string');
  if (candidates.length === 0) throw new KptrlabError('SERIES_EMPTY', `no patch in ${input}${notes.length ? ` (${notes.join('; ')})` : ''}`, { hint: 'A patch is a message or file with a "diff --git" in it.', exitCode: ExitCode.usage });
  const newest = Math.max(...candidates.map((candidate) => candidate.version));
  const older = candidates.filter((candidate) => candidate.version !== newest);
  if (older.length) notes.push(`${older.length} patch(es) of older versions (v${[...new Set(older.map((c) => c.version))].join(', v')}) left out: testing v${newest}`);
  candidates = candidates.filter((candidate) => candidate.version === newest);
  const patches = orderCandidates(candidates, input, options, notes);
  for (const patch of patches) refuseMalformed(patch);
  return { patches, notes };
}

function orderCandidates(candidates: Candidate[], input: string, options: SeriesOptions, notes: string[]): SeriesPatch[] {
  const numbered = candidates.filter((candidate) => candidate.index !== undefined);
  const total = numbered[0]?.total;
  if (numbered.length === 0 || numbered.length !== candidates.length) {
    // Untagged patches: one alone, or files whose names give the order (format-patch's 0001-...).
    if (candidates.length > 1 && candidates.some((candidate) => !candidate.name)) {
      throw new KptrlabError('SERIES_ORDER', `${input} holds ${candidates.length} patches but not all say where they go ([PATCH m/n])`, { hint: 'Send the series with git format-patch --numbered (or b4), or pass a folder whose file names sort in order.', exitCode: ExitCode.usage });
    }
    const ordered = [...candidates].sort((a, b) => (a.name ?? '').localeCompare(b.name ?? ''));
    return ordered.map((candidate, index) => ({ ...strip(candidate), index: index + 1, total: ordered.length }));
  }
  const mixed = numbered.find((candidate) => candidate.total !== total);
  if (mixed) throw new KptrlabError('SERIES_ORDER', `${input}: ${mixed.origin} says ${mixed.index}/${mixed.total}, another patch says m/${total}`, { hint: 'Keep one series (one version) in the input.', exitCode: ExitCode.usage });
  for (let index = 1; index <= total!; index++) {
    const at = numbered.filter((candidate) => candidate.index === index);
    if (at.length === 0 && options.allowMissing) notes.push(`patch ${index}/${total} is not in the input: testing the others, numbered as sent`);
    else if (at.length === 0) throw new KptrlabError('SERIES_INCOMPLETE', `patch ${index}/${total} of v${numbered[0]!.version} is missing from ${input}`, { hint: 'Fetch the whole thread (b4 am <message-id>) so every patch is there, or pass --allow-missing to test the patches present.', exitCode: ExitCode.usage });
    if (at.length > 1) throw new KptrlabError('SERIES_ORDER', `${input} holds patch ${index}/${total} twice (${at.map((c) => c.origin).join(', ')})`, { hint: 'Keep one copy (a resend of the same version?).', exitCode: ExitCode.usage });
  }
  return [...numbered].sort((a, b) => a.index! - b.index!).map((candidate) => ({ ...strip(candidate), index: candidate.index!, total: total! }));
}

function strip(candidate: Candidate): Omit<SeriesPatch, 'index' | 'total'> {
  const { version, title, author, origin, text, files } = candidate;
  return { version, title, author, origin, text, files };
}

/** Throws SERIES_MALFORMED naming the patch, file, hunk and line when a hunk is mangled. */
export function refuseMalformed(patch: SeriesPatch): void {
  const { problems } = checkDiff(patch.text);
  if (problems.length === 0) return;
  const first = problems[0]!;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem(s) in ${[...new Set(problems.map((p) => `${p.file} hunk #${p.hunk}`))].join(', ')})` : '';
  throw new KptrlabError('SERIES_MALFORMED', `patch ${patch.index}/${patch.total} "${patch.title}" (${patch.origin}) is corrupt: ${first.file}, hunk #${first.hunk} ${first.header}: ${first.message}${more}. Nothing was applied.`, {
    hint: 'Take the patch from the original message, not a copy: b4 am <message-id>, or your mail client\'s "save as" of the raw message (quoted replies and pasted text lose whitespace).',
    exitCode: ExitCode.testsFailed,
  });
}

/** "2/3 bpf: ... (kernel/bpf/verifier.c)" */
export function describePatch(patch: SeriesPatch): string {
  return `${patch.index}/${patch.total} ${patch.title} (${patch.files.join(', ')})`;
}
