// Turns a compiled selftest object into the subtests the tree's runner would run, each with the load job that decides it.
import type { SelftestJob } from '../agent/protocol.js';
import type { SkeletonRule } from './manifest.js';
import { parseTestSpec, PROG_FLAGS, type SpecArch, type SubSpec, type TestSpec } from './spec.js';
import type { SelftestFile } from './tree.js';

export interface ProgramListing {
  name: string;
  /** libbpf program type name ('syscall', 'sched_cls', ...). */
  type: string;
  tags: string[];
  /** Why the tags could not be read (no BTF, no FUNC for the program). */
  tagsError?: string;
}

export interface PlannedTest {
  /** "<file stem>/<subtest>", the subtest being the program name (" @unpriv" added for that mode). */
  id: string;
  file: string;
  program: string | null;
  description?: string;
  mode: 'priv' | 'unpriv' | 'object';
  runner: 'annotations' | SkeletonRule;
  expected: 'success' | 'failure';
  /** Annotation expectations of this mode (annotation runner only). */
  sub?: SubSpec;
  spec?: TestSpec;
  /** Where the tree states the expectation (skeleton rules). */
  from?: string;
  /** The load that decides the test; null when it is decided without one (see decided). */
  job: SelftestJob | null;
  decided?: { status: 'skip' | 'fail'; reason: string };
}

/** Name of the whole-object subtest of a skeleton-style file. */
export const OBJECT_SUBTEST = 'open_and_load';

/** Subtests of one file, in the object's program order (test_loader's order). */
export function planFile(file: SelftestFile, object: string, programs: readonly ProgramListing[], arch: SpecArch): PlannedTest[] {
  if (file.runner.kind === 'skeleton') return planSkeleton(file, object, programs, file.runner.entry.rule, file.runner.entry.from);
  const specs = programs.map((program) => ({
    program,
    spec: program.tagsError ? { ...parseTestSpec(program.name, [], arch, program.type), error: program.tagsError } : parseTestSpec(program.name, program.tags, arch, program.type),
  }));
  const tests: PlannedTest[] = [];
  for (const { program, spec } of specs) {
    const base = { file: file.stem, program: program.name, runner: 'annotations' as const, spec };
    if (spec.error) {
      tests.push({ ...base, id: `${file.stem}/${program.name}`, mode: 'priv', expected: 'success', job: null, decided: { status: 'fail', reason: `Can't parse test spec: ${spec.error}` } });
      continue;
    }
    if (spec.auxiliary) continue;
    for (const mode of ['priv', 'unpriv'] as const) {
      const sub = spec[mode];
      if (!sub) continue;
      const auxiliaries = specs.filter((other) => !other.spec.error && other.spec.auxiliary && other.spec[mode] !== null).map((other) => other.program.name);
      const job: SelftestJob = {
        id: `${file.stem}/${sub.name}`,
        object,
        load: [program.name, ...auxiliaries],
        program: program.name,
        logLevel: spec.logLevel,
        flags: spec.flags,
        execute: sub.execute && !sub.expectFailure && alignmentAllowsRun(spec, arch) ? { emptyOpts: program.type === 'syscall' } : null,
        unpriv: mode === 'unpriv',
      };
      const decided = decideWithoutLoad(spec, arch);
      tests.push({ ...base, id: job.id, description: sub.description, mode, expected: sub.expectFailure ? 'failure' : 'success', sub, job: decided ? null : job, decided });
    }
  }
  return tests;
}

// should_do_test_run(): BPF_F_ANY_ALIGNMENT programs run only where unaligned access is efficient.
function alignmentAllowsRun(spec: TestSpec, arch: SpecArch): boolean {
  const anyAlignment = (spec.flags.set & PROG_FLAGS.BPF_F_ANY_ALIGNMENT!) !== 0;
  return !anyAlignment || arch === 'X86_64' || arch === 'ARM64' || arch === 's390x';
}

// The tree's own rule decided before any load: a test for another architecture is skipped.
function decideWithoutLoad(spec: TestSpec, arch: SpecArch): PlannedTest['decided'] {
  if (spec.arches.length > 0 && !spec.arches.includes(arch)) return { status: 'skip', reason: `the test is for ${spec.arches.join(', ')} only (__arch_*), as the tree's runner decides` };
  return undefined;
}

function planSkeleton(file: SelftestFile, object: string, programs: readonly ProgramListing[], rule: SkeletonRule, from: string): PlannedTest[] {
  if (rule === 'each-rejected') {
    return programs.map((program) => ({
      id: `${file.stem}/${program.name}`,
      file: file.stem,
      program: program.name,
      mode: 'priv' as const,
      runner: rule,
      expected: 'failure' as const,
      from,
      job: { id: `${file.stem}/${program.name}`, object, load: [program.name], program: program.name, logLevel: 1, flags: null, execute: null, unpriv: false },
    }));
  }
  const id = `${file.stem}/${OBJECT_SUBTEST}`;
  return [
    {
      id,
      file: file.stem,
      program: null,
      mode: 'object',
      runner: rule,
      expected: rule === 'load' ? 'success' : 'failure',
      from,
      job: { id, object, load: null, program: null, logLevel: 0, flags: null, execute: null, unpriv: false },
    },
  ];
}
