// Everything the run does on one target: preflight, compile, probe, verifier matrix, selftests, benchmark.
// It only reports events: the reducer and its subscribers turn them into results.json and reports.
import { relative, resolve } from 'node:path';
import { vmlinuxHeader } from '../bpf/vmlinux-header.js';
import type { RunConfig, TargetConfig } from '../config/run-config.js';
import type { RunEvent, TargetEventBody } from '../results/events.js';
import type { EnvironmentPhase, ProbeFacts, Provenance } from '../results/model.js';
import { runSelftestSuite } from '../selftests/suite.js';
import { variantRequest } from '../kernel/kernel-config.js';
import type { PatchOp } from '../kernel/series.js';
import { runBenchSuite } from '../suites/bench-suite.js';
import { capabilityProblems, deriveCapability, probeFacts, probeRequest } from '../suites/capability.js';
import { bpfSources, compileSet } from '../suites/compile-set.js';
import { captureEnvironment } from '../suites/environment.js';
import { runVerifySuite } from '../suites/verify-suite.js';
import type { Target } from '../targets/target.js';
import { isArch } from '../util/arch.js';
import { KptrlabError, messageWithCauses } from '../util/errors.js';
import { isInterrupted } from '../util/lifecycle.js';
import { projectRoot } from '../util/paths.js';
import type { EventBus } from './events.js';

/** A built kernel's patches when its selftests come from the same source: they are that kernel's own selftests. */
export function kernelPatches(config: RunConfig, targetConfig: TargetConfig): PatchOp[] | undefined {
  const kernel = targetConfig.kind === 'local' ? undefined : targetConfig.kernel;
  if (!config.kernels || !kernel || !('variant' in kernel)) return undefined;
  if (JSON.stringify(config.kernels.source) !== JSON.stringify(config.selftests.source)) return undefined;
  // A variant's patches are the same on every arch (only its config fragments differ).
  return variantRequest(config.kernels, kernel.variant, 'x86_64').ops;
}

// Judging a probed level moved to suites/ (a LAVA job's results are judged with it too); kept importable from here.
export { capabilityProblems } from '../suites/capability.js';

// What the target dying mid-suite looks like from here; these fail the target (exit 1), they do not stop the harness.
const TARGET_DIED: Readonly<Record<string, string>> = {
  AGENT_CRASHED: 'AGENT_CRASHED',
  SSH_COMMAND_TIMEOUT: 'TARGET_HANG',
  CHILD_TIMEOUT: 'TARGET_HANG',
  SSH_EXEC: 'TARGET_DIED',
  VM_EXITED: 'TARGET_DIED',
  VM_STOPPED: 'TARGET_DIED',
};

/** The failure code when `error` means the target died or hung during a suite; undefined for a harness failure. */
export function targetDeathCode(error: unknown): string | undefined {
  return error instanceof KptrlabError ? TARGET_DIED[error.code] : undefined;
}

export interface TargetRun {
  config: RunConfig;
  target: Target;
  targetConfig: TargetConfig;
  bus: EventBus;
  /** Where the target's kernel came from (the release is filled in once it booted). */
  kernel: Omit<Provenance['kernel'], 'release'>;
  /** The run's folder: raw outputs (test_progs) are kept there. */
  runDir: string;
}

/** Reads the measured machine's environment on the target and logs it (a failed read is logged as a warning). */
async function logEnvironment({ target, bus }: TargetRun, phase: EnvironmentPhase): Promise<void> {
  bus.emit({ type: 'stage', target: target.info.name, stage: `environment ${phase}` });
  bus.emit({ ...(await captureEnvironment(target, phase)), target: target.info.name });
}

/** Runs the configured suites on one target, reporting every result as it arrives; the machine's environment is read before and after them. */
export async function runOnTarget(run: TargetRun): Promise<void> {
  const status = { ready: false, died: false };
  try {
    await runStages(run, status);
  } finally {
    // The machine's state at the end, also after a failed suite; a target that died or never got ready has nothing to say.
    if (status.ready && !status.died && !isInterrupted()) await logEnvironment(run, 'after');
  }
}

async function runStages(run: TargetRun, status: { ready: boolean; died: boolean }): Promise<void> {
  const { config, target, targetConfig, bus, kernel, runDir } = run;
  const name = target.info.name;
  const emit = (body: TargetEventBody) => bus.emit({ ...body, target: name } as RunEvent);
  const stage = (label: string) => emit({ type: 'stage', stage: label });
  // A kernel splat fails the target with its excerpt even when every test passed.
  let splatsSeen = 0;
  const checkSplats = (during: string) => {
    const found = target.splats?.() ?? [];
    for (const splat of found.slice(splatsSeen)) emit({ type: 'error', stage: 'splat', message: `kernel ${splat.kind} during ${during}:\n${splat.excerpt}`, code: 'KERNEL_SPLAT' });
    splatsSeen = found.length;
  };
  // A suite whose target dies or hangs is a failed test of that kernel, recorded with its console; the rest is skipped.
  const suite = async (label: string, work: () => Promise<void>): Promise<boolean> => {
    stage(label);
    try {
      await work();
    } catch (error) {
      const code = targetDeathCode(error);
      if (!code) throw error;
      status.died = true;
      checkSplats(label);
      emit({ type: 'error', stage: label, code, message: `the target stopped answering during ${label}: ${messageWithCauses(error as KptrlabError)}`, consoleTail: target.consoleTail?.() });
      return false;
    }
    checkSplats(label);
    return true;
  };
  const fromRoot = (path: string) => resolve(projectRoot, path);

  stage('preflight');
  await target.preflight();
  const tune = target.tuneRecord?.();
  if (tune) emit({ type: 'provenance', provenance: { tune: structuredClone(tune) } });
  // Booting told us the kernel release and the accelerator actually used.
  bus.emit({ type: 'target-ready', target: { ...target.info } });
  const provenance = (objects: Record<string, string>, more: Partial<Provenance> = {}) => emit({ type: 'provenance', provenance: { objects, ...more } });
  provenance({}, { kernel: { ...kernel, release: target.info.kernelRelease }, series: { declared: targetConfig.series }, accelerator: target.info.accelerator, timeUnit: target.info.timeUnit, machine: target.machineIdentity() });
  status.ready = true;
  await logEnvironment(run, 'before');

  stage('compile');
  const header = await vmlinuxHeader(target.btfPath);
  // A local host kptrlab has no names for compiles as for x86_64, as it always did.
  const arch = isArch(target.info.arch) ? target.info.arch : 'x86_64';
  const probes = await compileSet(bpfSources(fromRoot(config.probes)), header, arch);
  const cases = config.verify.enabled ? await compileSet(bpfSources(fromRoot(config.verify.cases)), header, arch) : { objects: [], errors: [] };
  const benchEnabled = config.bench.enabled && targetConfig.bench;
  const bench = benchEnabled ? await compileSet([fromRoot(config.bench.program)], header, arch) : { objects: [], errors: [] };
  for (const error of [...probes.errors, ...cases.errors, ...bench.errors]) emit({ type: 'compile-error', source: error.source, firstError: error.firstError });
  provenance(Object.fromEntries([...probes.objects, ...cases.objects, ...bench.objects].map((object) => [relative(projectRoot, object.source), object.hash])));
  if (probes.errors.length) throw new KptrlabError('PROBE_COMPILE', 'the capability probes did not compile, so the kernel level is unknown', { hint: 'Fix the first clang error shown above (programs/probes).' });

  let facts: ProbeFacts | undefined;
  const probed = await suite('probe', () =>
    target.runAgent(probeRequest(probes.objects.map((object) => object.path)), (event) => {
      if (event.type === 'hello') provenance({}, { libbpf: event.libbpf });
      if (event.type === 'probe') facts = probeFacts(event.facts);
    }),
  );
  if (!probed) return;
  if (!facts) throw new KptrlabError('PROBE_FAILED', 'the capability probe returned no facts');
  const capability = deriveCapability(facts);
  emit({ type: 'capability', capability, facts });
  provenance({}, { series: { declared: targetConfig.series, probed: capability.level } });
  // A kernel that is not what the config says it is must not pass as annotated for another level.
  for (const problem of capabilityProblems(capability, targetConfig.series)) emit({ type: 'error', ...problem });

  if (config.verify.enabled && !(await suite('verify', () => runVerifySuite(target, cases.objects, capability.level, config.verify.logLevel, emit)))) return;

  if (config.selftests.enabled) {
    const context = { config: config.selftests, target, series: targetConfig.series, today: new Date().toISOString().slice(0, 10), artifactsDir: runDir, patches: kernelPatches(config, targetConfig) };
    // A mismatch was recorded as a target error above; the selftests still run, judged by the declaration.
    const ran = await suite('selftests', () =>
      runSelftestSuite(context, {
        start: (selftests) => emit({ type: 'selftests-start', selftests }),
        env: (env) => emit({ type: 'selftest-env', env }),
        result: (result) => emit({ type: 'selftest', result }),
        veristat: (row) => emit({ type: 'veristat', row }),
        compared: (id, testProgs, theirsName) => emit({ type: 'selftest-compare', id, testProgs, theirsName }),
        testProgs: (summary) => emit({ type: 'test-progs', summary }),
        stage,
      }),
    );
    if (!ran) return;
  }

  const benchObject = bench.objects[0];
  if (benchEnabled && benchObject) await suite('bench', () => runBenchSuite(target, benchObject, config.bench, capability.level, emit));
}
