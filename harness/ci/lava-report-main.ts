// Runs on the LAVA machine after the agent steps (bundled into dist/agent/kptrlab-lava-report.mjs):
// `node kptrlab-lava-report.mjs <plan.json> <events dir>` judges the recorded steps and reports LAVA test cases.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { lavaTestCases, type LavaTestCase } from './lava-cases.js';
import { planProblem, type LavaPlan } from './lava-plan.js';
import { foldJob, readStepFiles, replayLavaJob } from './lava-replay.js';

// LAVA's helpers are shell scripts on the PATH of the test shell; argv only, no shell in between.
function lava(argv: string[]): void {
  const result = spawnSync(argv[0]!, argv.slice(1), { stdio: 'inherit' });
  if (result.error) throw new Error(`${argv[0]} could not run (${result.error.message}): this reporter runs inside a LAVA test shell`);
}

function report(cases: readonly LavaTestCase[]): void {
  for (const set of ['target', 'verify', 'bench'] as const) {
    const inSet = cases.filter((entry) => entry.set === set);
    if (!inSet.length) continue;
    lava(['lava-test-set', 'start', set]);
    for (const entry of inSet) {
      const measured = entry.measurement === undefined ? [] : ['--measurement', String(entry.measurement), '--units', entry.units ?? ''];
      lava(['lava-test-case', entry.name, '--result', entry.result, ...measured]);
    }
    lava(['lava-test-set', 'stop', set]);
  }
}

async function main(argv: string[]): Promise<number> {
  const [planPath, dir] = argv;
  if (!planPath || !dir) {
    process.stderr.write('usage: kptrlab-lava-report <plan.json> <events dir>\n');
    return 2;
  }
  const plan = JSON.parse(readFileSync(planPath, 'utf8')) as LavaPlan;
  const problem = planProblem(plan);
  if (problem) {
    process.stderr.write(`kptrlab-lava-report: ${planPath}: ${problem}\n`);
    return 2;
  }
  const events = await replayLavaJob({ plan, hostname: hostname(), version: readFileSync('/proc/version', 'utf8'), steps: readStepFiles(dir, plan) });
  report(lavaTestCases(foldJob(plan, events)));
  return 0;
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
}, (error: unknown) => {
  process.stderr.write(`kptrlab-lava-report: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
