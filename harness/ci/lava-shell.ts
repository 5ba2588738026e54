// The shell lines of the kptrlab test definition: fetch every file by content, run the agent once per step with its
// request on stdin (as targets/machine.ts does over SSH), echo its events with a prefix, then report test cases.
// Every word that comes from the config or the inventory is single-quoted: nothing of it is read by the shell.
import { quoteArg } from '../ssh/quote.js';
import { LAVA_LINE, type LavaStepName } from './lava-plan.js';

/** A file the job downloads: its URL, where it goes (relative to the work folder) and its sha256. */
export interface FetchedFile {
  url: string;
  path: string;
  sha256: string;
}

export interface TestShellInput {
  /** Absolute folder on the machine the job works in (removed and made again first). */
  workDir: string;
  /** Node.js on the machine (the inventory's node:). */
  node: string;
  /** Deadline of one agent run (the inventory's execTimeoutSec). */
  execTimeoutSec: number;
  files: FetchedFile[];
  /** Work-folder paths of the fetched agent bundle, binding, report bundle and plan. */
  agent: string;
  native: string;
  report: string;
  plan: string;
  steps: Array<{ name: LavaStepName; request: string }>;
}

const q = quoteArg;

/** The run steps, one shell command each (LAVA writes them into one script, in order). */
export function testShellSteps(input: TestShellInput): string[] {
  const work = input.workDir;
  const at = (path: string) => q(`${work}/${path}`);
  const events = (step: string, suffix: string) => at(`events/${step}.${suffix}`);
  return [
    `rm -rf ${q(work)} && mkdir -p ${at('files')} ${at('events')}`,
    // Fetched by content: a file that is not the published one stops the job before anything runs.
    ...input.files.map((file) => `curl -fsSL --retry 3 -o ${at(file.path)} ${q(file.url)} && echo ${q(`${file.sha256}  ${work}/${file.path}`)} | sha256sum -c --quiet -`),
    `printf '%s %s\\n' ${LAVA_LINE.machine} "$(hostname)"`,
    // Which kernel really runs: a boot that fell back to the default kernel must not pass for the one under test.
    `printf '%s %s\\n' ${LAVA_LINE.version} "$(cat /proc/version)"`,
    `printf '%s %s\\n' ${LAVA_LINE.plan} "$(cat ${at(input.plan)})"`,
    // The exit status goes to a file, the events go to the log live (a machine that dies mid-step still shows what it did).
    ...input.steps.map((step) => [
      `cd ${q(work)} && { timeout -k 10 ${input.execTimeoutSec} env KPTRLAB_NATIVE=${at(input.native)} ${q(input.node)} ${at(input.agent)} - < ${at(step.request)}; echo $? > ${events(step.name, 'exit')}; }`,
      `| tee ${events(step.name, 'ndjson')} | sed ${q(`s/^/${LAVA_LINE.event} ${step.name} /`)};`,
      `printf '%s %s %s\\n' ${LAVA_LINE.stepEnd} ${step.name} "$(cat ${events(step.name, 'exit')})"`,
    ].join(' ')),
    `cd ${q(work)} && ${q(input.node)} ${at(input.report)} ${at(input.plan)} ${at('events')}`,
    `echo ${LAVA_LINE.end}`,
  ];
}
