// Reads what LAVA collected from a kptrlab job: the job log (log.yaml, a list of {dt, lvl, msg}; our lines are the
// `lvl: target` messages with a KPTRLAB- prefix) and the results YAML (a list of {suite, name, result, ...}).
import { parse } from 'yaml';
import { ExitCode, KptrlabError } from '../util/errors.js';
import { LAVA_LINE, LAVA_STEPS, planProblem, type LavaPlan, type LavaStepName } from './lava-plan.js';
import type { RecordedJob, RecordedStep } from './lava-replay.js';

export interface LavaLogRecord {
  dt: string;
  lvl: string;
  msg: unknown;
}

/** One test case of LAVA's results YAML (`lavacli results <job>` or /results/<job>/yaml). */
export interface LavaResultEntry {
  suite: string;
  name: string;
  result: string;
  measurement?: string | number | null;
  unit?: string | null;
}

export type LavaFile = { kind: 'log'; records: LavaLogRecord[] } | { kind: 'results'; entries: LavaResultEntry[] };

/** A LAVA input kptrlab cannot use: exit 2, the file named. */
export function lavaInputError(file: string, message: string, hint: string): KptrlabError {
  return new KptrlabError('LAVA_INPUT_INVALID', `${file}: ${message}`, { hint, exitCode: ExitCode.usage });
}

const FETCH_HINT = 'Download it whole: lavacli jobs logs --raw <job id> > log.yaml (results: lavacli results <job id> --yaml).';

/** Tells a LAVA job log from a LAVA results file; anything else is refused. */
export function readLavaFile(file: string, text: string): LavaFile {
  let data: unknown;
  try {
    data = parse(text);
  } catch (error) {
    throw lavaInputError(file, `not YAML (${(error as Error).message.split('\n')[0]}): a LAVA log cut off mid-record?`, FETCH_HINT);
  }
  if (!Array.isArray(data) || data.length === 0) throw lavaInputError(file, 'not a LAVA job log or results file (expected a non-empty YAML list)', FETCH_HINT);
  const isRecord = (entry: unknown) => !!entry && typeof entry === 'object' && 'dt' in entry && 'lvl' in entry && 'msg' in entry;
  const isResult = (entry: unknown) => !!entry && typeof entry === 'object' && 'suite' in entry && 'name' in entry && 'result' in entry;
  if (data.every(isRecord)) return { kind: 'log', records: data as LavaLogRecord[] };
  if (data.every(isResult)) return { kind: 'results', entries: data as LavaResultEntry[] };
  throw lavaInputError(file, 'a YAML list, but neither a LAVA job log ({dt, lvl, msg} records) nor LAVA results ({suite, name, result} entries)', FETCH_HINT);
}

/** The kptrlab job recorded in a LAVA log: its plan, the machine and each step's agent lines; a log cut off is refused. */
export function recordedJobOf(file: string, records: readonly LavaLogRecord[]): RecordedJob & { startedAt: string; finishedAt: string } {
  let plan: LavaPlan | undefined;
  let hostname: string | undefined;
  let version: string | undefined;
  let ended = false;
  const steps = new Map<LavaStepName, RecordedStep>();
  const stepOf = (name: string): RecordedStep | undefined => {
    if (!(LAVA_STEPS as readonly string[]).includes(name)) return undefined;
    const step = steps.get(name as LavaStepName) ?? { lines: [] };
    steps.set(name as LavaStepName, step);
    return step;
  };
  const targetLines = records.filter((record) => record.lvl === 'target' && typeof record.msg === 'string');
  for (const record of targetLines) {
    // A serial console may end lines with \r.
    const line = (record.msg as string).replace(/\r$/, '');
    const space = line.indexOf(' ');
    const tag = space < 0 ? line : line.slice(0, space);
    const rest = space < 0 ? '' : line.slice(space + 1);
    if (tag === LAVA_LINE.plan) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(rest);
      } catch {
        throw lavaInputError(file, `its ${LAVA_LINE.plan} line is not JSON (cut by the console?)`, FETCH_HINT);
      }
      const problem = planProblem(parsed);
      if (problem) throw lavaInputError(file, problem, 'Generate the jobs with this kptrlab (kptrlab ci lava) and merge with the same version.');
      plan = parsed as LavaPlan;
    } else if (tag === LAVA_LINE.machine) hostname = rest;
    else if (tag === LAVA_LINE.version) version = rest;
    else if (tag === LAVA_LINE.event || tag === LAVA_LINE.stepEnd) {
      const cut = rest.indexOf(' ');
      const step = stepOf(cut < 0 ? rest : rest.slice(0, cut));
      const payload = cut < 0 ? '' : rest.slice(cut + 1);
      if (!step) throw lavaInputError(file, `${tag} names an unknown step: ${line.slice(0, 80)}`, 'Only logs of jobs kptrlab ci lava wrote can be merged.');
      // A console that wrapped or cut an event line would drop a result silently: refuse the log instead.
      if (tag === LAVA_LINE.event && !isJson(payload)) throw lavaInputError(file, `an event of step ${cut < 0 ? rest : rest.slice(0, cut)} is not whole JSON (${payload.slice(0, 60)}...): the console cut or wrapped the line`, 'Run the job on a connection that keeps long lines (LAVA over SSH), or fetch the raw log (lavacli jobs logs --raw).');
      if (tag === LAVA_LINE.event) step.lines.push(payload);
      else step.exit = Number(payload);
    } else if (tag === LAVA_LINE.end) ended = true;
  }
  if (!plan) throw lavaInputError(file, `no ${LAVA_LINE.plan} line: not the log of a kptrlab job, or the job ended before its test action (did the kernel boot? see the job in LAVA)`, 'Pass the log.yaml of a job kptrlab ci lava wrote; a job that never reached the test has no results to merge.');
  // LAVA closes every job it ran with its own `job` result: without it the file is cut, with it the machine stopped answering.
  const jobClosed = records.some((record) => record.lvl === 'results' && isLavaJobResult(record.msg));
  if (!ended && !jobClosed) throw lavaInputError(file, `the log ends before ${LAVA_LINE.end} and before LAVA's job result: the file is cut off or was fetched while the job ran`, `Fetch the log again once the job finished (${FETCH_HINT}).`);
  const times = records.map((record) => String(record.dt)).filter(Boolean).sort();
  // What the machine printed last besides our lines (a panic, an Oops): kept with the failure, as a direct run keeps its console tail.
  const console = targetLines.map((record) => String(record.msg).replace(/\r$/, '')).filter((line) => !line.startsWith('KPTRLAB-')).slice(-64).join('\n');
  return { plan, hostname, version, steps, ...(ended ? {} : { consoleTail: console }), startedAt: isoOf(times[0]), finishedAt: isoOf(times.at(-1)) };
}

// LAVA writes dt as "2026-12-04T18:00:00.123456" (UTC, no zone).
function isoOf(dt: string | undefined): string {
  const date = dt ? new Date(/[zZ]|[+-]\d\d:\d\d$/.test(dt) ? dt : `${dt}Z`) : new Date(NaN);
  return Number.isNaN(date.getTime()) ? new Date(0).toISOString() : date.toISOString();
}

function isLavaJobResult(msg: unknown): boolean {
  return !!msg && typeof msg === 'object' && (msg as { definition?: unknown }).definition === 'lava' && (msg as { case?: unknown }).case === 'job';
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
