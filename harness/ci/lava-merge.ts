// `kptrlab merge` of LAVA jobs: each job's log replayed through the suites, the jobs of one config joined into one
// run in the config's target order; a results YAML beside a log must agree with the verdicts the log gives.
import { EVENTS_SCHEMA, EVENTS_SCHEMA_VERSION, type RunEvent } from '../results/events.js';
import type { RunInfo } from '../results/model.js';
import { reduceEvents } from '../results/reduce.js';
import { runOutcome } from '../runner/outcome.js';
import { lavaTestCases } from './lava-cases.js';
import { lavaInputError, recordedJobOf, type LavaLogRecord, type LavaResultEntry } from './lava-log.js';
import { foldJob, replayLavaJob } from './lava-replay.js';

/** One LAVA job as given to the merge: its log, and LAVA's results for it when they were fetched too. */
export interface CollectedJob {
  /** What the user passed (a folder or the log file), for messages. */
  source: string;
  log: { file: string; records: LavaLogRecord[] };
  results?: { file: string; entries: LavaResultEntry[] };
}

// Our test definition is named kptrlab; LAVA prefixes its suite with the definition's index ("1_kptrlab").
const OUR_SUITE = /^\d+_kptrlab$/;

/** The merged run's events: one run-start over the jobs' targets, each target replayed in config order, one run-end. */
export async function mergeLavaJobs(inputs: readonly CollectedJob[], id: string, host: RunInfo['host']): Promise<RunEvent[]> {
  const jobs = inputs.map((input) => ({ input, job: recordedJobOf(input.log.file, input.log.records) }));
  const first = jobs[0]!;
  for (const { input, job } of jobs.slice(1)) {
    if (job.plan.config.hash !== first.job.plan.config.hash) throw lavaInputError(input.log.file, `is a job of another config than ${first.input.log.file} (config hash ${job.plan.config.hash.slice(0, 12)} vs ${first.job.plan.config.hash.slice(0, 12)})`, 'Merge the jobs written by one kptrlab ci lava of one config.');
  }
  const targets = first.job.plan.targets;
  const byTarget = new Map<string, (typeof jobs)[number]>();
  for (const entry of jobs) {
    const { plan } = entry.job;
    if (plan.targets.join('\n') !== targets.join('\n')) throw lavaInputError(entry.input.log.file, `lists other LAVA targets than ${first.input.log.file}`, 'Merge jobs generated from one config with the same inventory.');
    const twice = byTarget.get(plan.target);
    if (twice) throw lavaInputError(entry.input.log.file, `is target ${plan.target} again (also ${twice.input.log.file})`, 'Pass each job once.');
    byTarget.set(plan.target, entry);
  }
  const missing = targets.filter((name) => !byTarget.has(name));
  if (missing.length) throw lavaInputError(inputs.map((input) => input.source).join(', '), `no job for target(s) ${missing.join(', ')} of the config`, 'Pass the log of every job kptrlab ci lava wrote (one per lab machine target).');
  const targetEvents: RunEvent[] = [];
  for (const name of targets) {
    const { input, job } = byTarget.get(name)!;
    const events = await replayLavaJob(job);
    if (input.results) checkResults(input.results.file, input.results.entries, lavaTestCases(foldJob(job.plan, events)));
    targetEvents.push(...events);
  }
  const plan = first.job.plan;
  const startedAt = jobs.map(({ job }) => job.startedAt).sort()[0]!;
  const finishedAt = jobs.map(({ job }) => job.finishedAt).sort().at(-1)!;
  const run: Omit<RunInfo, 'status'> = { id, configFile: plan.config.file, configHash: plan.config.hash, startedAt, host, kptrlab: plan.kptrlab, mergedFrom: targets.map((name) => `lava:${byTarget.get(name)!.input.source}`) };
  const start: RunEvent = { type: 'run-start', schema: EVENTS_SCHEMA, schemaVersion: EVENTS_SCHEMA_VERSION, run, resultsPath: '', targets };
  const outcome = runOutcome(reduceEvents([start, ...targetEvents]), false);
  return [start, ...targetEvents, { type: 'run-end', status: outcome.status, exitCode: outcome.exitCode, finishedAt }];
}

// LAVA's own record of the test cases must say what the log says: a mismatch means the two files are of different jobs.
function checkResults(file: string, entries: readonly LavaResultEntry[], expected: ReturnType<typeof lavaTestCases>): void {
  const ours = new Map(entries.filter((entry) => OUR_SUITE.test(String(entry.suite))).map((entry) => [String(entry.name), String(entry.result)]));
  if (!ours.size) throw lavaInputError(file, 'has no test cases of the kptrlab test definition (suite <n>_kptrlab)', 'Pass the results of the same job as the log, or leave the results out (the log alone is enough).');
  for (const entry of expected) {
    const got = ours.get(entry.name);
    if (got === undefined) throw lavaInputError(file, `has no test case ${entry.name}, which the job log gives (${entry.result})`, 'Pass the results of the same job as the log, fetched after the job finished.');
    if (got !== entry.result) throw lavaInputError(file, `says ${entry.name} ${got}, the job log judges it ${entry.result}`, 'The two files are of different jobs (or kptrlab versions): pass the log and the results of one job.');
  }
}
