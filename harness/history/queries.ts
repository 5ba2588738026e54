// Read side of the history: runs, their cases and cells, and like-for-like cell series across runs.
import type { Accelerator, BenchVariant, TimeUnit } from '../results/vocab.js';
import { ExitCode, KptrlabError } from '../util/errors.js';
import { sqliteOf, type HistoryDb } from './db.js';

export interface RunRow {
  id: string;
  dir: string;
  configFile: string;
  configHash: string;
  configName: string | null;
  startedAt: string;
  finishedAt: string | null;
  status: string;
  exitCode: number | null;
  kptrlabVersion: string;
  kptrlabCommit: string;
  host: { hostname: string; cpu: string; kernelRelease: string };
  logTruncated: boolean;
  ingestedAt: string;
}

export interface RunSummary extends RunRow {
  targets: number;
  cases: number;
  cells: number;
}

export interface CaseRow {
  runId: string;
  target: string;
  source: string;
  id: string;
  objectHash: string | null;
  level: string;
  expected: string;
  actual: string;
  status: string;
  reason: string | null;
  insns: number | null;
  totalStates: number | null;
  peakStates: number | null;
  verificationUs: number | null;
}

/** A cell with the provenance of its target (what like-for-like compares on). */
export interface CellRow {
  runId: string;
  target: string;
  size: number;
  variant: BenchVariant;
  unit: TimeUnit;
  /** 'per-access' (calibrated) for every variant but empty, whose row holds its 'per-lookup' cost. */
  metric: 'per-access' | 'per-lookup';
  objectHash: string | null;
  lookups: number;
  repeat: number;
  samples: number;
  warmup: number;
  seed: number;
  median: number;
  ciLow: number;
  ciHigh: number;
  n: number;
  /** Calibrated per-access value of each measured round, in round order (null for empty). */
  perAccess: number[] | null;
  /** Raw test_run durations (per repeat), in round order. */
  durations: number[];
  arch: string;
  accelerator: Accelerator;
  machineHostname: string | null;
  machineCpu: string | null;
  kernelRelease: string;
  kernelCacheKey: string | null;
  kernelVariant: string | null;
}

/** What makes two cells comparable: same machine and CPU, arch, accelerator, unit, target, kernel variant, size, variant, lookups, repeat. */
export interface CellKey {
  machineHostname: string | null;
  machineCpu: string | null;
  arch: string;
  accelerator: Accelerator;
  unit: TimeUnit;
  target: string;
  kernelVariant: string | null;
  size: number;
  variant: BenchVariant;
  lookups: number;
  repeat: number;
}

/** One run's value of a cell series. */
export interface SeriesPoint {
  runId: string;
  startedAt: string;
  status: string;
  median: number;
  ciLow: number;
  ciHigh: number;
  n: number;
  perAccess: number[] | null;
  kernelRelease: string;
  kernelCacheKey: string | null;
  objectHash: string | null;
  kptrlabCommit: string;
  configHash: string;
}

/** The like-for-like key of a cell. */
export function cellKey(cell: CellRow): CellKey {
  return {
    machineHostname: cell.machineHostname, machineCpu: cell.machineCpu, arch: cell.arch, accelerator: cell.accelerator, unit: cell.unit,
    target: cell.target, kernelVariant: cell.kernelVariant, size: cell.size, variant: cell.variant, lookups: cell.lookups, repeat: cell.repeat,
  };
}

/** A stable string for a key (for maps and grouping). */
export function cellKeyId(key: CellKey): string {
  return JSON.stringify([key.machineHostname, key.machineCpu, key.arch, key.accelerator, key.unit, key.target, key.kernelVariant, key.size, key.variant, key.lookups, key.repeat]);
}

type Raw = Record<string, unknown>;

function toRun(row: Raw): RunRow {
  return {
    id: row.id as string, dir: row.dir as string, configFile: row.config_file as string, configHash: row.config_hash as string,
    configName: row.config_name as string | null, startedAt: row.started_at as string, finishedAt: row.finished_at as string | null,
    status: row.status as string, exitCode: row.exit_code as number | null, kptrlabVersion: row.kptrlab_version as string,
    kptrlabCommit: row.kptrlab_commit as string, host: { hostname: row.host_hostname as string, cpu: row.host_cpu as string, kernelRelease: row.host_kernel as string },
    logTruncated: row.log_truncated === 1, ingestedAt: row.ingested_at as string,
  };
}

const SUMMARY = `SELECT r.*,
  (SELECT count(*) FROM targets t WHERE t.run_id = r.id) AS n_targets,
  (SELECT count(*) FROM cases c WHERE c.run_id = r.id) AS n_cases,
  (SELECT count(*) FROM cells c WHERE c.run_id = r.id) AS n_cells
  FROM runs r`;

/** Runs, newest first; `config` matches the config file, its name or its hash. */
export function listRuns(db: HistoryDb, options: { config?: string; limit?: number } = {}): RunSummary[] {
  const where = options.config === undefined ? '' : 'WHERE r.config_file = @config OR r.config_name = @config OR r.config_hash = @config';
  const rows = sqliteOf(db).prepare(`${SUMMARY} ${where} ORDER BY r.started_at DESC, r.id DESC LIMIT @limit`)
    .all({ limit: options.limit ?? -1, ...(options.config === undefined ? {} : { config: options.config }) }) as Raw[];
  return rows.map((row) => ({ ...toRun(row), targets: row.n_targets as number, cases: row.n_cases as number, cells: row.n_cells as number }));
}

/** One run, or undefined. */
export function runById(db: HistoryDb, runId: string): RunRow | undefined {
  const row = sqliteOf(db).prepare('SELECT * FROM runs WHERE id = ?').get(runId) as Raw | undefined;
  return row && toRun(row);
}

/** A run's verifier cases, by target, source and id. */
export function casesOf(db: HistoryDb, runId: string): CaseRow[] {
  const rows = sqliteOf(db).prepare('SELECT * FROM cases WHERE run_id = ? ORDER BY target, source, id').all(runId) as Raw[];
  return rows.map((row) => ({
    runId: row.run_id as string, target: row.target as string, source: row.source as string, id: row.id as string, objectHash: row.object_hash as string | null,
    level: row.level as string, expected: row.expected as string, actual: row.actual as string, status: row.status as string, reason: row.reason as string | null,
    insns: row.insns as number | null, totalStates: row.total_states as number | null, peakStates: row.peak_states as number | null,
    verificationUs: row.verification_us as number | null,
  }));
}

const CELL = `SELECT c.*, t.arch, t.accelerator, t.machine_hostname, t.machine_cpu, t.kernel_release, t.kernel_cache_key, t.kernel_variant
  FROM cells c JOIN targets t ON t.run_id = c.run_id AND t.name = c.target`;

function toCell(row: Raw): CellRow {
  return {
    runId: row.run_id as string, target: row.target as string, size: row.size as number, variant: row.variant as BenchVariant, unit: row.unit as TimeUnit,
    metric: row.metric as CellRow['metric'], objectHash: row.object_hash as string | null, lookups: row.lookups as number, repeat: row.repeat as number,
    samples: row.samples as number, warmup: row.warmup as number, seed: row.seed as number, median: row.median as number, ciLow: row.ci_low as number,
    ciHigh: row.ci_high as number, n: row.n as number, perAccess: row.per_access_json === null ? null : (JSON.parse(row.per_access_json as string) as number[]),
    durations: JSON.parse(row.durations_json as string) as number[], arch: row.arch as string, accelerator: row.accelerator as Accelerator,
    machineHostname: row.machine_hostname as string | null, machineCpu: row.machine_cpu as string | null, kernelRelease: row.kernel_release as string,
    kernelCacheKey: row.kernel_cache_key as string | null, kernelVariant: row.kernel_variant as string | null,
  };
}

/** A run's benchmark cells with their target's provenance, by target, size and variant. */
export function cellsOf(db: HistoryDb, runId: string): CellRow[] {
  const rows = sqliteOf(db).prepare(`${CELL} WHERE c.run_id = ? ORDER BY c.target, c.size, c.variant`).all(runId) as Raw[];
  return rows.map(toCell);
}

/** Every run's value of one like-for-like cell, oldest first (NULL provenance matches only NULL). */
export function cellSeries(db: HistoryDb, key: CellKey): SeriesPoint[] {
  const rows = sqliteOf(db).prepare(`${CELL.replace('SELECT c.*', 'SELECT c.*, r.started_at, r.status, r.kptrlab_commit, r.config_hash')}
    JOIN runs r ON r.id = c.run_id
    WHERE t.machine_hostname IS @machineHostname AND t.machine_cpu IS @machineCpu AND t.arch = @arch AND t.accelerator = @accelerator
      AND c.unit = @unit AND c.target = @target AND t.kernel_variant IS @kernelVariant AND c.size = @size AND c.variant = @variant
      AND c.lookups = @lookups AND c.repeat = @repeat
    ORDER BY r.started_at, r.id`).all({ ...key }) as Raw[];
  return rows.map((row) => {
    const cell = toCell(row);
    return {
      runId: cell.runId, startedAt: row.started_at as string, status: row.status as string, median: cell.median, ciLow: cell.ciLow, ciHigh: cell.ciHigh,
      n: cell.n, perAccess: cell.perAccess, kernelRelease: cell.kernelRelease, kernelCacheKey: cell.kernelCacheKey, objectHash: cell.objectHash,
      kptrlabCommit: row.kptrlab_commit as string, configHash: row.config_hash as string,
    };
  });
}

/** The latest finished run of the same config (by hash, else by file) that started before `before`. */
export function previousRun(db: HistoryDb, options: { configHash?: string; configFile?: string; before: string; passedOnly?: boolean }): RunRow | undefined {
  const anchor = runById(db, options.before);
  if (!anchor) {
    throw new KptrlabError('HISTORY_UNKNOWN_RUN', `run ${options.before} is not in the history database ${db.path}`, {
      hint: 'Import it first: kptrlab history import results/<run id>.',
      exitCode: ExitCode.usage,
    });
  }
  const [column, value] = options.configHash !== undefined ? ['config_hash', options.configHash] : ['config_file', options.configFile ?? anchor.configFile];
  // passedOnly: the last good run (--baseline last-good), else any finished one.
  const status = options.passedOnly ? "status = 'passed'" : "status != 'running'";
  const row = sqliteOf(db).prepare(`SELECT * FROM runs WHERE ${column} = ? AND ${status} AND (started_at, id) < (?, ?)
    ORDER BY started_at DESC, id DESC LIMIT 1`).get(value, anchor.startedAt, anchor.id) as Raw | undefined;
  return row && toRun(row);
}
