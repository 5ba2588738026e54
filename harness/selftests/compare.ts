// The tree's own test_progs beside kptrlab's runner: build it for the target's kernel, run it there, compare.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SelftestResult } from '../results/model.js';
import type { SelftestContext, SelftestSink } from './suite.js';
import { buildTestProgs, counterpart, ourVerdict, parseTestProgsOutput } from './test-progs.js';
import type { SelftestFile } from './tree.js';

// test_progs can take a while under TCG; generous, but bounded.
const TEST_PROGS_TIMEOUT_MS = 30 * 60_000;

/** Builds the tree's test_progs for this kernel, runs it on the target and records its verdict beside ours. */
export async function compareWithTestProgs(context: SelftestContext, source: { tree: string; id: string }, files: SelftestFile[], reported: SelftestResult[], sink: SelftestSink): Promise<void> {
  const build = await buildTestProgs(source.tree, source.id, files, context.target.btfPath, context.target.info.arch, sink.stage);
  if (!build.ok) {
    sink.testProgs({ ran: false, note: `not run: ${build.reason}${build.log ? ` (log ${build.log})` : ''}` });
    return;
  }
  // -w: test_progs' per-test watchdog (120 s) would kill tests that are merely slow under TCG; our own
  // timeout still bounds the run.
  const argv = [build.binary, '-w', '600', '-t', build.tests.join(',')];
  sink.stage(`test_progs -t ${build.tests.join(',')} on ${context.target.info.name}`);
  // env -C: test_progs finds its .bpf.o files relative to the working folder.
  const run = await context.target.runProgram(['env', '-C', build.dir, ...argv], TEST_PROGS_TIMEOUT_MS);
  // The whole output is kept beside results.json: it is the evidence for every verdict compared below.
  const saved = join(context.artifactsDir, `test_progs-${context.target.info.name}.txt`);
  await writeFile(saved, `$ ${argv.join(' ')}\n# exit ${run.exitCode}\n${run.stdout}\n# stderr\n${run.stderr}`);
  const verdicts = parseTestProgsOutput(run.stdout);
  if (verdicts.size === 0) {
    sink.testProgs({ ran: false, note: `ran but printed no result lines (exit ${run.exitCode}): ${(run.stderr || run.stdout).trim().split('\n').slice(-3).join(' | ')}` });
    return;
  }
  const testProgsNames = new Map(files.map((file) => [file.stem, file.runner.kind === 'annotations' ? file.runner.testProgsName : undefined]));
  let compared = 0;
  let differ = 0;
  const matched = new Set<string>();
  for (const result of reported) {
    // A denied test did not run here, so there is nothing to compare.
    if (result.list?.action === 'deny' && !result.list.expired) continue;
    const theirsName = counterpart(result, testProgsNames.get(result.file), verdicts);
    if (!theirsName) continue;
    matched.add(theirsName);
    const verdict = verdicts.get(theirsName)!;
    const agrees = verdict === ourVerdict(result.status);
    compared += 1;
    if (!agrees) differ += 1;
    sink.compared(result.id, { verdict, agrees }, theirsName);
  }
  // Failures only test_progs saw (runtime checks of skeleton tests kptrlab does not repeat); a test line
  // that has subtests only sums them up.
  const names = [...verdicts.keys()];
  const theirsOnly = names.filter((name) => verdicts.get(name) === 'FAIL' && !matched.has(name) && !names.some((other) => other.startsWith(`${name}/`)));
  const failures = theirsOnly.length ? `; failing only in test_progs: ${theirsOnly.join(', ')}` : '';
  sink.testProgs({ ran: true, note: `${compared} subtests compared, ${differ} differ (test_progs exit ${run.exitCode}, ${verdicts.size} result lines, output ${saved})${failures}`, theirsOnly });
}
