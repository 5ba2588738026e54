// Everything the run does on one target: preflight, compile, probe, verifier matrix, benchmark.
import { dirname, resolve } from 'node:path';
import { vmlinuxHeader } from '../bpf/vmlinux-header.js';
import type { RunConfig, TargetConfig } from '../config/run-config.js';
import { runSelftestSuite } from '../selftests/suite.js';
import { SERIES_LEVEL, type Series } from '../selftests/expectations.js';
import type { TargetResult } from '../results/model.js';
import type { ResultsStore } from '../results/store.js';
import { runBenchSuite } from '../suites/bench-suite.js';
import { deriveCapability, type Capability, type ProbeFacts } from '../suites/capability.js';
import { bpfSources, compileSet } from '../suites/compile-set.js';
import { runVerifySuite } from '../suites/verify-suite.js';
import type { Target } from '../targets/target.js';
import { KptrlabError } from '../util/errors.js';
import { projectRoot } from '../util/paths.js';
import type { EventBus } from './events.js';

/** Target errors for a probed capability: a level other than the declared series', or probes that contradict each other. */
export function capabilityProblems(capability: Capability, series: Series | undefined): { stage: string; message: string; code: string }[] {
  const problems = capability.anomalies.map((anomaly) => ({ stage: 'probe', message: `capability probes contradict each other: ${anomaly}`, code: 'PROBE_ANOMALY' }));
  // "absent" also fits a kernel older than the rbtree walk kfuncs (nowalk): it has none of the series either.
  const fits = series === 'absent' ? capability.level === 'base' || capability.level === 'nowalk' : series === undefined || SERIES_LEVEL[series] === capability.level;
  if (series && !fits) {
    problems.push({
      stage: 'probe',
      message: `the config declares series: ${series} (level ${SERIES_LEVEL[series]}) but the probes find level ${capability.level}: the kernel is not the one declared (did a patch fail to apply, or is the declaration wrong?)`,
      code: 'SERIES_MISMATCH',
    });
  }
  return problems;
}

/** Runs the configured suites on one target, persisting every result as it arrives. */
export async function runOnTarget(config: RunConfig, target: Target, targetConfig: TargetConfig, store: ResultsStore, bus: EventBus): Promise<void> {
  const benchHere = targetConfig.bench;
  const name = target.info.name;
  const entry: TargetResult = { target: target.info, cases: [], compileErrors: [], errors: [] };
  store.update((results) => results.targets.push(entry));
  const stage = (label: string) => bus.emit({ type: 'stage', target: name, stage: label });
  // A kernel splat fails the target with its excerpt even when every test passed.
  let splatsSeen = 0;
  const checkSplats = (during: string) => {
    const found = target.splats?.() ?? [];
    for (const splat of found.slice(splatsSeen)) {
      const message = `kernel ${splat.kind} during ${during}:\n${splat.excerpt}`;
      store.update(() => entry.errors.push({ stage: 'splat', message, code: 'KERNEL_SPLAT' }));
      bus.emit({ type: 'error', target: name, stage: 'splat', message, code: 'KERNEL_SPLAT' });
    }
    splatsSeen = found.length;
  };
  // Config paths are relative to the project root; absolute ones stay as they are.
  const fromRoot = (path: string) => resolve(projectRoot, path);

  stage('preflight');
  await target.preflight();
  // Booting told us the kernel release and the accelerator actually used.
  store.update(() => (entry.target = { ...target.info }));
  bus.emit({ type: 'target-ready', target: target.info });
  stage('compile');
  const header = await vmlinuxHeader(target.btfPath);
  const arch = target.info.arch === 'arm64' ? 'arm64' : 'x86';
  const probes = await compileSet(bpfSources(fromRoot(config.probes)), header, arch);
  const cases = config.verify.enabled ? await compileSet(bpfSources(fromRoot(config.verify.cases)), header, arch) : { objects: [], errors: [] };
  const benchEnabled = config.bench.enabled && benchHere;
  const bench = benchEnabled ? await compileSet([fromRoot(config.bench.program)], header, arch) : { objects: [], errors: [] };
  for (const error of [...probes.errors, ...cases.errors, ...bench.errors]) {
    store.update(() => entry.compileErrors.push(error));
    bus.emit({ type: 'compile-error', target: name, source: error.source, firstError: error.firstError });
  }
  if (probes.errors.length) throw new KptrlabError('PROBE_COMPILE', 'the capability probes did not compile, so the kernel level is unknown', { hint: 'Fix the first clang error shown above (programs/probes).' });

  stage('probe');
  let facts: ProbeFacts | undefined;
  await target.runAgent({ op: 'probe', objects: probes.objects.map((object) => object.path) }, (event) => {
    if (event.type === 'hello') store.update(() => (entry.libbpf = event.libbpf));
    if (event.type === 'probe') facts = event.facts;
  });
  if (!facts) throw new KptrlabError('PROBE_FAILED', 'the capability probe returned no facts');
  const capability = deriveCapability(facts);
  store.update(() => (entry.capability = { ...capability, facts: facts! }));
  bus.emit({ type: 'capability', target: name, capability });
  // A kernel that is not what the config says it is must not pass as annotated for another level.
  for (const problem of capabilityProblems(capability, targetConfig.series)) {
    store.update(() => entry.errors.push(problem));
    bus.emit({ type: 'error', target: name, stage: problem.stage, message: problem.message, code: problem.code });
  }
  checkSplats('boot and probe');

  if (config.verify.enabled) {
    stage('verify');
    await runVerifySuite(
      target,
      cases.objects,
      capability.level,
      config.verify.logLevel,
      (result) => {
        store.update(() => entry.cases.push(result));
        bus.emit({ type: 'case', target: name, result });
      },
      (source, message) => {
        store.update(() => entry.errors.push({ stage: 'verify', message: `${source}: ${message}` }));
        bus.emit({ type: 'error', target: name, stage: 'verify', message: `${source}: ${message}` });
      },
    );
  }

  if (config.verify.enabled) checkSplats('the verifier matrix');
  if (config.selftests.enabled) {
    stage('selftests');
    const series = targetConfig.series;
    // A mismatch was recorded as a target error above; the selftests still run, judged by the declaration.
    await runSelftestSuite(
      { config: config.selftests, target, series, today: new Date().toISOString().slice(0, 10), artifactsDir: dirname(store.path) },
      {
        start: (selftests) => store.update(() => (entry.selftests = selftests)),
        env: (env) => store.update(() => (entry.selftests!.env = env)),
        result: (result) => {
          store.update(() => entry.selftests!.tests.push(result));
          bus.emit({ type: 'selftest', target: name, result });
        },
        compared: (id, testProgs, theirsName) => {
          const result = entry.selftests!.tests.find((test) => test.id === id);
          if (!result) return;
          store.update(() => (result.testProgs = testProgs));
          bus.emit({ type: 'selftest-compare', target: name, id, ours: result.status, theirs: testProgs.verdict, theirsName, agrees: testProgs.agrees });
        },
        testProgs: (summary) => {
          store.update(() => (entry.selftests!.testProgs = summary));
          bus.emit({ type: 'stage', target: name, stage: `test_progs: ${summary.note}` });
        },
        stage,
      },
    );
    checkSplats('the selftests');
  }
  const benchObject = bench.objects[0];
  if (benchEnabled && benchObject) {
    stage('bench');
    const { sizes, samples, lookups, repeat, seed } = config.bench;
    const result = { sizes, samples, lookups, repeat, seed, rejected: [], cells: [], calibration: [], ratios: [], integrity: [], errors: [] };
    store.update(() => (entry.bench = result));
    const benchEntry = entry.bench!;
    await runBenchSuite(target, benchObject.path, config.bench, capability.level, {
      rejected: (variant, message) => {
        store.update(() => benchEntry.rejected.push({ variant, message }));
        bus.emit({ type: 'bench-rejected', target: name, variant, message });
      },
      progress: (size, done, total) => bus.emit({ type: 'bench-progress', target: name, size, done, total }),
      cell: (cell) => {
        store.update(() => benchEntry.cells.push(cell));
        bus.emit({ type: 'bench-cell', target: name, cell });
      },
      ratio: (ratio) => {
        store.update(() => benchEntry.ratios.push(ratio));
        bus.emit({ type: 'bench-ratio', target: name, ratio });
      },
      integrity: (integrity) => {
        store.update(() => benchEntry.integrity.push(integrity));
        bus.emit({ type: 'bench-integrity', target: name, integrity });
      },
      calibration: (_size, calibrationResult) => store.update(() => benchEntry.calibration.push(calibrationResult)),
      error: (message, size) => {
        store.update(() => benchEntry.errors.push({ size, message }));
        bus.emit({ type: 'error', target: name, stage: size === undefined ? 'bench' : `bench size ${size}`, message });
      },
    });
    checkSplats('the benchmark');
  }
}
