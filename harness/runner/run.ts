// Runs a config: every target in turn, results persisted as they arrive, events to reporters.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { RunConfig } from '../config/run-config.js';
import { RESULTS_SCHEMA, RESULTS_SCHEMA_VERSION, type RunResults } from '../results/model.js';
import { ResultsStore } from '../results/store.js';
import type { Target, TargetInfo } from '../targets/target.js';
import { describeError, ExitCode, KptrlabError, messageWithCauses, type ExitCodeValue } from '../util/errors.js';
import { addExitHook, isInterrupted } from '../util/lifecycle.js';
import { projectPath, setChildLogDir } from '../util/paths.js';
import { prepareTarget } from './targets.js';
import { EventBus } from './events.js';
import { describeHost } from './host.js';
import { runOutcome } from './outcome.js';
import { runOnTarget } from './target-run.js';

export interface RunOptions {
  /** Overrides config.output.dir. */
  outputDir?: string;
  now?: () => Date;
}

/** A sortable, unique run id: UTC time plus a short random suffix. */
export function newRunId(date: Date): string {
  return `${date.toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${randomBytes(3).toString('hex')}`;
}

function kptrlabVersion(): string {
  return (JSON.parse(readFileSync(projectPath('package.json'), 'utf8')) as { version: string }).version;
}

// A target that failed before its first result still gets an entry, so the failure is in the file.
function recordTargetError(store: ResultsStore, name: string, kind: TargetInfo['kind'], error: { stage: string; message: string; code?: string }): void {
  store.update((current) => {
    let entry = current.targets.find((target) => target.target.name === name);
    if (!entry) {
      entry = { target: { name, kind, accelerator: kind === 'local' ? 'native' : 'tcg', timeUnit: 'ns', kernelRelease: 'unknown', arch: 'unknown' }, cases: [], compileErrors: [], errors: [] };
      current.targets.push(entry);
    }
    entry.errors.push(error);
  });
}

/** Executes the run and returns its exit code (0 pass, 1 failures, 69 infrastructure). */
export async function executeRun(config: RunConfig, bus: EventBus, options: RunOptions = {}): Promise<ExitCodeValue> {
  const now = options.now ?? (() => new Date());
  const started = now();
  const id = newRunId(started);
  const resultsPath = join(resolve(options.outputDir ?? config.output.dir), id, 'results.json');
  const results: RunResults = {
    schema: RESULTS_SCHEMA,
    schemaVersion: RESULTS_SCHEMA_VERSION,
    run: { id, configFile: config.file, startedAt: started.toISOString(), status: 'running', host: describeHost(), kptrlabVersion: kptrlabVersion() },
    targets: [],
  };
  const store = new ResultsStore(resultsPath, results);
  // A failed make, mmdebstrap or qemu keeps its whole output next to results.json.
  setChildLogDir(join(dirname(resultsPath), 'logs'));
  // Ctrl-C or a kill ends the process mid-run: record that, keeping everything that finished.
  const removeHook = addExitHook(() => {
    if (results.run.status !== 'running') return;
    store.update((current) => {
      current.run.status = 'interrupted';
      current.run.finishedAt = now().toISOString();
    });
  });
  bus.emit({ type: 'run-start', configFile: config.file, resultsPath, targets: config.targets.map((target) => target.name) });
  let infrastructureFailed = false;
  let configProblem = false;
  for (const targetConfig of config.targets) {
    if (isInterrupted()) break;
    let target: Target | undefined;
    try {
      target = await prepareTarget(config, targetConfig, bus);
      bus.emit({ type: 'target-start', target: target.info });
      await runOnTarget(config, target, targetConfig, store, bus);
    } catch (error) {
      if (isInterrupted()) break;
      // A path or setting the user must fix is a usage error (2), anything else infrastructure (69).
      if (error instanceof KptrlabError && error.exitCode === ExitCode.usage) configProblem = true;
      else infrastructureFailed = true;
      const code = error instanceof KptrlabError ? error.code : 'INTERNAL';
      const message = error instanceof KptrlabError ? messageWithCauses(error) : describeError(error);
      const hint = error instanceof KptrlabError ? error.hint : undefined;
      recordTargetError(store, targetConfig.name, targetConfig.kind, { stage: 'target', message, code });
      bus.emit({ type: 'error', target: targetConfig.name, stage: 'target', message, code, hint });
    } finally {
      await target?.teardown();
    }
  }
  const outcome = isInterrupted()
    ? { status: 'interrupted' as const, exitCode: ExitCode.interrupted }
    : configProblem && !infrastructureFailed ? { status: 'error' as const, exitCode: ExitCode.usage } : runOutcome(results, infrastructureFailed);
  store.update((current) => {
    current.run.status = outcome.status;
    current.run.finishedAt = now().toISOString();
  });
  removeHook();
  setChildLogDir(undefined);
  bus.emit({ type: 'run-end', results, exitCode: outcome.exitCode, resultsPath });
  return outcome.exitCode;
}

export { ExitCode };
