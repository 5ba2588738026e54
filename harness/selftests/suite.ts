// The selftest suite on one target: compile the tree's tests, plan the loads, run them through the agent, judge.
import type { SelftestsConfig } from '../config/run-config.js';
import type { SelftestJob, VerifierStatsWire } from '../agent/protocol.js';
import { resolveSource } from '../kernel/source.js';
import { BpfObject } from '../native/index.js';
import type { SelftestResult, SelftestsResult, VeristatRow } from '../results/model.js';
import type { PatchOp } from '../kernel/series.js';
import type { Target } from '../targets/target.js';
import { isArch } from '../util/arch.js';
import { projectPath } from '../util/paths.js';
import { compileSelftest } from './compile.js';
import { vmlinuxHeader } from '../bpf/vmlinux-header.js';
import { treeBpftool } from './tree-bpftool.js';
import { classify, type Series } from './expectations.js';
import { judge, type JobResult, type RawVerdict } from './judge.js';
import { listMatch, loadSuiteManifest, loadTestLists, requirementFor, type ListMatch, type SuiteManifest, type TestLists } from './manifest.js';
import { planFile, type PlannedTest, type ProgramListing } from './plan.js';
import { specArch } from './spec.js';
import { selectFiles, selftestsDir, type SelftestFile } from './tree.js';
import { compareWithTestProgs } from './compare.js';
import { basename, dirname, isAbsolute } from 'node:path';
import { selftestSource } from './overlay.js';

export interface SelftestSink {
  /** Called once before the first test, with the entry that later results are added to. */
  start(entry: SelftestsResult): void;
  result(result: SelftestResult): void;
  /** One program's row of the veristat-style pass. */
  veristat(row: VeristatRow): void;
  /** test_progs' verdict for an already reported result. */
  compared(id: string, testProgs: NonNullable<SelftestResult['testProgs']>, theirsName: string): void;
  testProgs(summary: NonNullable<SelftestsResult['testProgs']>): void;
  env(env: NonNullable<SelftestsResult['env']>): void;
  stage(text: string): void;
}

export interface SelftestContext {
  config: SelftestsConfig;
  target: Target;
  series: Series | undefined;
  /** YYYY-MM-DD: list entries expire on this day. */
  today: string;
  /** The run's results folder: raw outputs (test_progs) are kept there. */
  artifactsDir: string;
  /** The target kernel's patches (its variant's): their selftests part is applied to the tree the tests come from. */
  patches?: readonly PatchOp[];
}

const fromRoot = (path: string) => (isAbsolute(path) ? path : projectPath(path));

/** Reads the object's programs, types and decl tags on this machine (no kernel involved). */
export function listPrograms(object: string): ProgramListing[] {
  const listing = BpfObject.open(object);
  try {
    return listing.programs().map((program) => {
      try {
        return { name: program.name, type: program.type, tags: listing.declTags(program.name) };
      } catch (error) {
        // No BTF FUNC: test_loader cannot read a spec either and fails the program.
        return { name: program.name, type: program.type, tags: [], tagsError: (error as Error).message };
      }
    });
  } finally {
    listing.close();
  }
}

/** Runs the suite; every result reaches the sink as soon as it is known. */
export async function runSelftestSuite(context: SelftestContext, sink: SelftestSink): Promise<void> {
  const suiteManifest = loadSuiteManifest(fromRoot(context.config.suite));
  // premerge narrows the suite to the files a series touches; skeleton rules still come from the suite.
  const manifest = context.config.files ? { ...suiteManifest, files: context.config.files } : suiteManifest;
  const lists = loadTestLists(fromRoot(context.config.lists));
  sink.stage('selftests: kernel source');
  const pristine = await resolveSource(context.config.source);
  const source = await selftestSource(pristine, context.patches ?? []);
  const dir = selftestsDir(source.tree);
  const files = selectFiles(dir, manifest);
  sink.stage('selftests: the tree\'s bpftool and vmlinux.h');
  const header = await vmlinuxHeader(context.target.btfPath, await treeBpftool(pristine.tree, pristine.id));
  sink.start({ source: source.describe, series: context.series, tests: [], ...(source.patches.length ? { patches: source.patches } : {}) });
  const arch = specArch(context.target.info.arch);
  const planned: PlannedTest[] = [];
  const objects: Array<{ object: string; programs: ProgramListing[] }> = [];
  for (const [index, file] of files.entries()) {
    sink.stage(`selftests: compile ${file.stem}.c (${index + 1}/${files.length})`);
    const compiled = await compileSelftest({ source: file.source, tree: source.tree, treeId: source.id, header, arch: isArch(context.target.info.arch) ? context.target.info.arch : 'x86_64' });
    if (!compiled.ok) {
      sink.result(compileFailure(context, manifest, lists, file, compiled.firstError, compiled.log));
      continue;
    }
    const programs = listPrograms(compiled.object);
    objects.push({ object: compiled.object, programs });
    planned.push(...planFile(file, compiled.object, programs, arch));
  }
  const reported: SelftestResult[] = [];
  const report = (result: SelftestResult) => {
    reported.push(result);
    sink.result(result);
  };
  const jobs: SelftestJob[] = [];
  const pending = new Map<string, { test: PlannedTest; listed: ListMatch | undefined }>();
  for (const test of planned) {
    const listed = listMatch(lists, test.id, context.target.info.name, context.today);
    // A denied test is not loaded at all; toResult reports it as skipped with the entry's reason.
    if (isDenied(listed)) report(toResult(test, context, manifest, listed, { status: 'skip', actual: 'not-run' }));
    else if (!test.job) report(toResult(test, context, manifest, listed, judge(test, undefined, false)));
    else {
      jobs.push(test.job);
      pending.set(test.job.id, { test, listed });
    }
  }
  sink.stage(`selftests: ${jobs.length} loads on ${context.target.info.name}`);
  let jited = false;
  const finish = (id: string, result: JobResult | undefined) => {
    const entry = pending.get(id);
    if (!entry) return;
    pending.delete(id);
    report(toResult(entry.test, context, manifest, entry.listed, judge(entry.test, result, jited)));
  };
  try {
    if (jobs.length) {
      await context.target.runAgent({ op: 'selftest', jobs }, (event) => {
        if (event.type === 'selftest-env') {
          jited = event.jited;
          sink.env({ testingFlags: event.testingFlags, jited: event.jited, unprivDisabled: event.unprivDisabled });
        }
        if (event.type === 'selftest-result') finish(event.id, event);
      });
    }
  } finally {
    // A crashed agent leaves loads unanswered: each is reported, none is dropped.
    for (const id of [...pending.keys()]) finish(id, undefined);
  }
  if (context.config.veristat) await runVeristatPass(context, objects, sink);
  if (context.config.testProgs) await compareWithTestProgs(context, source, files, reported, sink);
}

// Every program alone at log level 4, as veristat loads it; a program the agent never answered for is a failure row.
async function runVeristatPass(context: SelftestContext, objects: ReadonlyArray<{ object: string; programs: ProgramListing[] }>, sink: SelftestSink): Promise<void> {
  const jobs = objects.flatMap(({ object, programs }) => programs.map((program) => ({ id: `${basename(object)}/${program.name}`, object, program: program.name })));
  if (!jobs.length) return;
  sink.stage(`selftests: veristat-style pass, ${jobs.length} programs on ${context.target.info.name}`);
  const pending = new Map(jobs.map((job) => [job.id, job]));
  const report = (id: string, row: Omit<VeristatRow, 'file' | 'program'>) => {
    const job = pending.get(id);
    if (!job) return;
    pending.delete(id);
    sink.veristat({ file: basename(job.object), program: job.program, ...row });
  };
  try {
    await context.target.runAgent({ op: 'veristat', jobs }, (event) => {
      if (event.type === 'veristat-result') report(event.id, veristatRow(event));
    });
  } finally {
    for (const id of [...pending.keys()]) report(id, { verdict: 'failure', durationUs: 0, insns: 0, states: 0, peakStates: 0, maxStatesPerInsn: 0, markRead: 0, progSize: 0, error: 'no answer: the agent ended before this program' });
  }
}

function veristatRow(event: { loaded: boolean; code?: string; stats: VerifierStatsWire | null; progSize: number; error?: string }): Omit<VeristatRow, 'file' | 'program'> {
  const stats = event.stats;
  return {
    verdict: event.loaded ? 'success' : 'failure',
    durationUs: stats?.verificationTimeUs ?? 0,
    insns: stats?.insnsProcessed ?? 0,
    states: stats?.totalStates ?? 0,
    peakStates: stats?.peakStates ?? 0,
    maxStatesPerInsn: stats?.maxStatesPerInsn ?? 0,
    markRead: stats?.markRead ?? 0,
    progSize: event.progSize,
    ...(event.loaded ? {} : { error: event.error ?? event.code }),
  };
}

function isDenied(listed: ListMatch | undefined): boolean {
  return listed?.action === 'deny' && !listed.expired;
}

function toResult(
  test: PlannedTest,
  context: SelftestContext,
  manifest: SuiteManifest,
  listed: ListMatch | undefined,
  raw: RawVerdict,
): SelftestResult {
  const requirement = requirementFor(manifest, test.id);
  const allow = listed?.action === 'allow' ? listed : undefined;
  const classified = isDenied(listed)
    ? { status: 'skip' as const, reason: `denied until ${listed!.entry.expires}: ${listed!.entry.reason}` }
    : classify(raw, requirement, context.series, allow);
  const expiredNote = listed?.expired ? ` [${listed.action} entry expired on ${listed.entry.expires} (${context.config.lists} line ${listed.entry.line}); it no longer applies]` : '';
  return {
    id: test.id,
    file: test.file,
    program: test.program,
    description: test.description,
    mode: test.mode,
    runner: test.runner,
    expected: test.expected,
    actual: raw.actual,
    status: classified.status,
    reason: classified.reason || expiredNote ? `${classified.reason ?? ''}${expiredNote}`.trim() : undefined,
    excerpt: raw.excerpt,
    retval: raw.retval,
    requires: requirement ? { level: requirement.level, reason: requirement.reason } : undefined,
    list: listed ? { action: listed.action, reason: listed.entry.reason, expires: listed.entry.expires, expired: listed.expired } : undefined,
  };
}

// A file that does not compile is one failing entry with clang's reason (allow/deny entries for "<stem>/*" apply).
function compileFailure(context: SelftestContext, manifest: SuiteManifest, lists: TestLists, file: SelftestFile, firstError: string, log: string): SelftestResult {
  const test: PlannedTest = { id: `${file.stem}/compile`, file: file.stem, program: null, mode: 'object', runner: file.runner.kind === 'annotations' ? 'annotations' : file.runner.entry.rule, expected: 'success', job: null };
  const listed = listMatch(lists, test.id, context.target.info.name, context.today);
  // Paths inside the tree are shown from its selftests folder: "progs/rbtree.c:52:6: error: ...".
  const short = (text: string) => text.split(`${dirname(dirname(file.source))}/`).join('');
  const raw = { status: 'fail' as const, actual: 'not-run' as const, reason: `clang cannot build it here: ${short(firstError)}`, excerpt: short(log).split('\n').slice(0, 12).join('\n') };
  return toResult(test, context, manifest, listed, raw);
}
