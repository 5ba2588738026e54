// Ingest: a run's event log (never results.json) through the one reducer into the history rows, in one transaction.
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type Database from 'better-sqlite3';
import { EVENT_LOG_NAME, readEventLog } from '../results/event-log.js';
import type { BenchResult, CellResult, Provenance, RunResults, SampleRecord, TargetResult } from '../results/model.js';
import { reduceEvents } from '../results/reduce.js';
import { ExitCode, KptrlabError } from '../util/errors.js';
import { sqliteOf, type HistoryDb } from './db.js';
import { perAccessValues } from './per-access.js';

export interface IngestOptions {
  /** Accept a run without run-end (still running, or killed): stored as `running`, replaced when imported again finished. */
  allowIncomplete?: boolean;
  /** Called inside the transaction after each target's rows (progress for big imports). */
  onTarget?: (target: string, done: number, total: number) => void;
}

export interface IngestResult {
  runId: string;
  /** false: the run was already there and nothing changed. */
  inserted: boolean;
  /** An incomplete copy of the run was replaced by this finished one. */
  replaced?: boolean;
  /** The log's last line was cut off by a crash and left out. */
  truncated: boolean;
}

/** Reads `<runDir>/events.ndjson` (or the log itself) and stores the run; a run already present changes nothing. */
export function ingestRun(db: HistoryDb, runDir: string, options: IngestOptions = {}): IngestResult {
  const logPath = eventLogOf(runDir);
  const results = readResults(logPath);
  const run = results.results.run;
  if (run.status === 'running' && !options.allowIncomplete) {
    throw new KptrlabError('HISTORY_RUN_INCOMPLETE', `run ${run.id} (${logPath}) has no run-end: it is still running or was killed, so its results may be incomplete`, {
      hint: 'Import it after it ends, or pass --allow-incomplete to keep what it recorded (a later import of the finished run replaces it).',
      exitCode: ExitCode.usage,
    });
  }
  const sqlite = sqliteOf(db);
  const store = sqlite.transaction((): IngestResult => {
    const present = sqlite.prepare('SELECT status FROM runs WHERE id = ?').get(run.id) as { status: string } | undefined;
    if (present && !(present.status === 'running' && run.status !== 'running')) return { runId: run.id, inserted: false, truncated: results.truncated };
    // Cascades to every row of the run.
    if (present) sqlite.prepare('DELETE FROM runs WHERE id = ?').run(run.id);
    insertRun(sqlite, results.results, dirname(logPath), results.truncated, options);
    return { runId: run.id, inserted: true, ...(present ? { replaced: true } : {}), truncated: results.truncated };
  });
  // Immediate: the presence check and the inserts hold the write lock together (two importers of one run).
  return store.immediate();
}

/** The event log a run folder (or the log path itself) names; a clear error when there is none. */
export function eventLogOf(runDir: string): string {
  const given = resolve(runDir);
  const hint = `Pass a run folder (results/<run id>, holding ${EVENT_LOG_NAME}); runs are imported from their event log, not results.json.`;
  if (!existsSync(given)) throw new KptrlabError('HISTORY_NO_EVENT_LOG', `no run folder at ${given}`, { hint, exitCode: ExitCode.usage });
  const path = statSync(given).isDirectory() ? join(given, EVENT_LOG_NAME) : given;
  if (!existsSync(path)) throw new KptrlabError('HISTORY_NO_EVENT_LOG', `no event log at ${path}`, { hint, exitCode: ExitCode.usage });
  return path;
}

function readResults(path: string): { results: RunResults; truncated: boolean } {
  try {
    const log = readEventLog(path);
    return { results: reduceEvents(log.events), truncated: log.truncated };
  } catch (error) {
    // EventLogError (file and line) or the reducer's refusal of events out of order.
    if (error instanceof Error) {
      throw new KptrlabError('HISTORY_EVENT_LOG_INVALID', `cannot import ${path}: ${error.message}`, {
        hint: 'Only logs kptrlab wrote can be imported; a log cut off by a crash loses only its last line.',
        cause: error,
        exitCode: ExitCode.usage,
      });
    }
    throw error;
  }
}

function insertRun(sqlite: Database.Database, results: RunResults, dir: string, truncated: boolean, options: IngestOptions): void {
  const { run } = results;
  sqlite.prepare(`INSERT INTO runs (id, dir, config_file, config_hash, config_name, started_at, finished_at, status, exit_code, kptrlab_version,
      kptrlab_commit, host_hostname, host_cpu, host_kernel, host_cores, host_memory_gib, log_truncated, ingested_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
    run.id, dir, run.configFile, run.configHash, configName(run.configFile), run.startedAt, run.finishedAt ?? null, run.status, run.exitCode ?? null,
    run.kptrlab.version, run.kptrlab.commit, run.host.hostname, run.host.cpu, run.host.kernelRelease, run.host.cores ?? null, run.host.memoryGiB ?? null,
    truncated ? 1 : 0, new Date().toISOString(),
  );
  results.targets.forEach((target, index) => {
    insertTarget(sqlite, run.id, target);
    options.onTarget?.(target.target.name, index + 1, results.targets.length);
  });
}

/** "config/ab.yaml" → "ab": the name listings group by. */
export function configName(configFile: string): string {
  return basename(configFile, extname(configFile));
}

function insertTarget(sqlite: Database.Database, runId: string, entry: TargetResult): void {
  const { target: info, provenance } = entry;
  const name = info.name;
  const machine = provenance?.machine;
  sqlite.prepare(`INSERT INTO targets (run_id, name, kind, arch, accelerator, time_unit, kernel_release, kernel_source, kernel_cache_key, kernel_variant,
      patches_json, series_declared, level_probed, libbpf, machine_hostname, machine_cpu, machine_kernel, machine_guest, errors_json)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
    runId, name, info.kind, info.arch, provenance?.accelerator ?? info.accelerator, provenance?.timeUnit ?? info.timeUnit,
    provenance?.kernel?.release ?? info.kernelRelease, provenance?.kernel?.source ?? null, provenance?.kernel?.cacheKey ?? null, provenance?.kernel?.variant ?? null,
    provenance?.kernel?.patches ? JSON.stringify(provenance.kernel.patches) : null, provenance?.series?.declared ?? null,
    provenance?.series?.probed ?? entry.capability?.level ?? null, provenance?.libbpf ?? entry.libbpf ?? null,
    machine?.hostname ?? null, machine?.cpu ?? null, machine?.kernelRelease ?? null, machine?.guest ?? null, JSON.stringify(entry.errors),
  );
  const object = sqlite.prepare('INSERT INTO objects (run_id, target, source, hash) VALUES (?, ?, ?, ?)');
  for (const [source, hash] of Object.entries(provenance?.objects ?? {})) object.run(runId, name, source, hash);
  const kase = sqlite.prepare(`INSERT INTO cases (run_id, target, source, id, object_hash, level, expected, actual, status, reason, insns, total_states,
      peak_states, verification_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  for (const result of entry.cases) {
    kase.run(runId, name, result.source, result.id, result.objectHash ?? provenance?.objects?.[result.source] ?? null, result.level, result.expected,
      result.actual, result.status, result.reason ?? null, result.stats?.insnsProcessed ?? null, result.stats?.totalStates ?? null,
      result.stats?.peakStates ?? null, result.stats?.verificationTimeUs ?? null);
  }
  if (entry.bench) insertBench(sqlite, runId, name, entry.bench, benchObjectHash(entry));
}

function insertBench(sqlite: Database.Database, runId: string, target: string, bench: BenchResult, objectHash: string | null): void {
  const cell = sqlite.prepare(`INSERT INTO cells (run_id, target, size, variant, unit, metric, object_hash, lookups, repeat, samples, warmup, seed,
      median, ci_low, ci_high, n, mean, cv, per_access_json, durations_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  for (const result of bench.cells) {
    // The calibration cell (empty) has no per-access cost: its row carries the per-lookup summary, and says so.
    const summary = result.perAccess ?? result.perLookup;
    const values = result.perAccess ? perAccessValues(bench.rawSamples, result) : null;
    cell.run(runId, target, result.size, result.variant, result.unit, result.perAccess ? 'per-access' : 'per-lookup', objectHash,
      result.lookupsPerSample || bench.lookups, bench.repeat, bench.samples, bench.warmup, bench.seed, summary.median, summary.ciLow, summary.ciHigh,
      summary.n, summary.mean, summary.cv, values ? JSON.stringify(values) : null, JSON.stringify(result.durations));
  }
  const ratio = sqlite.prepare(`INSERT INTO ratios (run_id, target, size, numerator, denominator, unit, n, ratio, ci_low, ci_high)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  for (const result of bench.ratios) {
    ratio.run(runId, target, result.size, result.numerator, result.denominator, result.unit, result.n, result.ratio, result.ciLow, result.ciHigh);
  }
  const integrity = sqlite.prepare('INSERT INTO integrity (run_id, target, size, ok, json) VALUES (?, ?, ?, ?, ?)');
  for (const result of bench.integrity) integrity.run(runId, target, result.size, result.ok ? 1 : 0, JSON.stringify(result));
}


/** The benchmark object's hash: the one object no case and no probe was loaded from (null when that is ambiguous). */
export function benchObjectHash(entry: Pick<TargetResult, 'provenance' | 'cases' | 'bench'>): string | null {
  // Runs since the bench-start event names its object say so; older logs are inferred below.
  if (entry.bench?.objectHash) return entry.bench.objectHash;
  const objects: Provenance['objects'] = entry.provenance?.objects ?? {};
  const caseSources = new Set(entry.cases.map((result) => result.source));
  const candidates = Object.entries(objects).filter(([source]) => !caseSources.has(source) && !source.startsWith('programs/probes/'));
  const bench = candidates.length === 1 ? candidates : candidates.filter(([source]) => source.startsWith('programs/bench/'));
  return bench.length === 1 ? bench[0]![1] : null;
}
