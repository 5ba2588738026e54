// Runs a config: every target in turn; every event goes to the run's log, the reducer, results.json and the reporters.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { RunConfig, TargetConfig } from '../config/run-config.js';
import { openHistory } from '../history/db.js';
import { ingestRun } from '../history/ingest.js';
import { EVENT_LOG_NAME, EventLogWriter } from '../results/event-log.js';
import { EVENTS_SCHEMA, EVENTS_SCHEMA_VERSION, type RunEvent } from '../results/events.js';
import type { RunInfo, RunResults } from '../results/model.js';
import { RESULTS_FILE_NAME, writeResultsFile } from '../results/results-file.js';
import type { Target } from '../targets/target.js';
import { describeError, ExitCode, KptrlabError, messageWithCauses, type ExitCodeValue } from '../util/errors.js';
import { sha256OfFile } from '../util/hash.js';
import { addExitHook, isInterrupted } from '../util/lifecycle.js';
import { projectPath, projectRoot, setChildLogDir } from '../util/paths.js';
import { prepareTarget } from './targets.js';
import { EventBus } from './events.js';
import { describeHost } from './host.js';
import { runOutcome } from './outcome.js';
import { runOnTarget } from './target-run.js';

export interface RunOptions {
  /** Overrides config.output.dir. */
  outputDir?: string;
  /** Told the run's folder as soon as it exists (nightly compares it afterwards). */
  onRunDir?: (dir: string) => void;
  now?: () => Date;
}

/** A sortable, unique run id: UTC time plus a short random suffix. */
export function newRunId(date: Date): string {
  return `${date.toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${randomBytes(3).toString('hex')}`;
}

/** kptrlab's version and the commit it runs from ("-dirty" when the tree has uncommitted changes; "unknown" outside git). */
export function kptrlabIdentity(): RunInfo['kptrlab'] {
  const version = (JSON.parse(readFileSync(projectPath('package.json'), 'utf8')) as { version: string }).version;
  const git = spawnSync('git', ['-C', projectRoot, 'describe', '--always', '--dirty=-dirty', '--abbrev=40'], { encoding: 'utf8' });
  return { version, commit: git.status === 0 ? git.stdout.trim() : 'unknown' };
}

// results.json follows the log; raw samples arrive hundreds a minute, so they refresh it at most once a second.
function resultsFileWriter(path: string): (event: RunEvent, state: RunResults) => void {
  let lastSampleWrite = 0;
  return (event, state) => {
    if (event.type === 'bench-sample') {
      if (Date.now() - lastSampleWrite < 1000) return;
      lastSampleWrite = Date.now();
    }
    writeResultsFile(path, state);
  };
}

/**
 * The targets grouped by the machine they measure on, in config order: this host (local and QEMU targets, which share
 * its CPUs) is one lane, each lab machine (host:port) another. A lane's targets run in turn, lanes at the same time.
 */
export function targetLanes(targets: readonly TargetConfig[]): TargetConfig[][] {
  const lanes = new Map<string, TargetConfig[]>();
  for (const target of targets) {
    const lane = target.kind === 'machine' ? `machine ${target.machine.host}:${target.machine.port}` : 'this host';
    lanes.set(lane, [...(lanes.get(lane) ?? []), target]);
  }
  return [...lanes.values()];
}

/** Executes the run and returns its exit code (0 pass, 1 failures, 2 config, 69 infrastructure, 130 interrupted). */
export async function executeRun(config: RunConfig, subscribe: (bus: EventBus) => void, options: RunOptions = {}): Promise<ExitCodeValue> {
  const now = options.now ?? (() => new Date());
  const started = now();
  const id = newRunId(started);
  const runDir = join(resolve(options.outputDir ?? config.output.dir), id);
  const resultsPath = join(runDir, RESULTS_FILE_NAME);
  options.onRunDir?.(runDir);
  const bus = new EventBus(new EventLogWriter(join(runDir, EVENT_LOG_NAME)));
  bus.subscribe(resultsFileWriter(resultsPath));
  subscribe(bus);
  // A failed make, mmdebstrap or qemu keeps its whole output next to results.json.
  setChildLogDir(join(runDir, 'logs'));
  // Once only: Ctrl-C may end the process (exit hook) before the loop below ends the run.
  const end = (status: RunInfo['status'], exitCode: ExitCodeValue) => {
    if (bus.state?.run.status === 'running') bus.emit({ type: 'run-end', status, exitCode, finishedAt: now().toISOString() });
  };
  // Ctrl-C or a kill ends the process mid-run: the log says so, keeping everything that finished.
  const removeHook = addExitHook(() => end('interrupted', ExitCode.interrupted));
  const configHash = sha256OfFile(config.file);
  bus.emit({
    type: 'run-start',
    schema: EVENTS_SCHEMA,
    schemaVersion: EVENTS_SCHEMA_VERSION,
    run: { id, configFile: config.file, configHash, startedAt: started.toISOString(), host: describeHost(), kptrlab: kptrlabIdentity(), ...(config.shard ? { shard: config.shard } : {}) },
    resultsPath,
    targets: config.targets.map((target) => target.name),
  });
  let infrastructureFailed = false;
  let configProblem = false;
  const runTarget = async (targetConfig: TargetConfig): Promise<void> => {
    let target: Target | undefined;
    try {
      const prepared = await prepareTarget(config, targetConfig, bus);
      target = prepared.target;
      bus.emit({ type: 'target-start', target: { ...target.info } });
      await runOnTarget({ config, target, targetConfig, bus, kernel: prepared.kernel, runDir: dirname(resultsPath) });
    } catch (error) {
      if (isInterrupted()) return;
      // A path or setting the user must fix is a usage error (2), anything else stopped the harness (69).
      if (error instanceof KptrlabError && error.exitCode === ExitCode.usage) configProblem = true;
      // A kernel that does not boot is a failed test of that kernel, not a harness problem.
      else if (!(error instanceof KptrlabError && error.code === 'KERNEL_BOOT_FAILED')) infrastructureFailed = true;
      // A target that failed before it started still gets an entry, so the failure is in the results.
      if (!bus.state?.targets.some((entry) => entry.target.name === targetConfig.name)) {
        const placeholder = { name: targetConfig.name, kind: targetConfig.kind, accelerator: targetConfig.kind === 'qemu' ? ('tcg' as const) : ('native' as const), timeUnit: 'ns' as const, kernelRelease: 'unknown', arch: 'arch' in targetConfig ? targetConfig.arch : 'unknown' };
        bus.emit({ type: 'target-start', target: placeholder });
      }
      const code = error instanceof KptrlabError ? error.code : 'INTERNAL';
      const message = error instanceof KptrlabError ? messageWithCauses(error) : describeError(error);
      const hint = error instanceof KptrlabError ? error.hint : undefined;
      bus.emit({ type: 'error', target: targetConfig.name, stage: 'target', message, code, hint, fatal: true, consoleTail: target?.consoleTail?.() || undefined });
    } finally {
      await target?.teardown();
      // Whether the tuned machine is back as it was: known only after teardown.
      const tune = target?.tuneRecord?.();
      if (tune?.notRestored) bus.emit({ type: 'provenance', target: targetConfig.name, provenance: { tune: structuredClone(tune) } });
      // How a kexec'd kernel booted and whether the machine went back to its default: known only after teardown too.
      const boot = target?.bootRecord?.();
      if (boot) bus.emit({ type: 'provenance', target: targetConfig.name, provenance: { boot: structuredClone(boot) } });
      if (boot?.returned === false) bus.emit({ type: 'error', target: targetConfig.name, stage: 'kernel', code: 'MACHINE_NOT_RETURNED', message: `the machine did not come back on its default kernel ${boot.defaultRelease}: ${boot.failure ?? 'unknown'}`, hint: boot.health === 'bad' ? 'It is marked bad: bring it back by hand, then kptrlab machine check.' : undefined, fatal: false });
      if (tune?.notRestored?.length) bus.emit({ type: 'error', target: targetConfig.name, stage: 'tune', code: 'TUNE_NOT_RESTORED', message: `the machine was not restored after tuning: ${tune.notRestored.join(', ')} differ from before the run`, hint: 'Set them back by hand (values in provenance.tune of results.json).', fatal: false });
    }
  };
  // Each machine runs its targets one after another; different machines run at the same time.
  await Promise.all(targetLanes(config.targets).map(async (lane) => {
    for (const targetConfig of lane) {
      if (isInterrupted()) break;
      await runTarget(targetConfig);
    }
  }));
  const outcome = isInterrupted()
    ? { status: 'interrupted' as const, exitCode: ExitCode.interrupted }
    : configProblem && !infrastructureFailed ? { status: 'error' as const, exitCode: ExitCode.usage } : runOutcome(bus.state!, infrastructureFailed);
  end(outcome.status, outcome.exitCode);
  removeHook();
  setChildLogDir(undefined);
  bus.close();
  // A shard is a part of a run: the history gets the merged run (kptrlab merge), never the parts.
  if (outcome.status !== 'interrupted' && !config.shard) recordInHistory(runDir);
  return outcome.exitCode;
}

/** Adds the finished run to the history database (KPTRLAB_HISTORY=off skips it); a failure there warns, the run's own result stands. */
export function recordInHistory(runDir: string): string | undefined {
  if (process.env.KPTRLAB_HISTORY === 'off') return undefined;
  try {
    const db = openHistory();
    try {
      ingestRun(db, runDir);
      return db.path;
    } finally {
      db.close();
    }
  } catch (error) {
    process.stderr.write(`kptrlab: the run was not added to the history database: ${describeError(error)}\n`);
    return undefined;
  }
}

export { ExitCode };
