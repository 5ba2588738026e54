// Versioned schema of the history database (docs/history.md). The version lives in PRAGMA user_version; each
// migration moves it up by one inside the same transaction as its DDL. A database is upgraded, never dropped.
import type Database from 'better-sqlite3';
import { ExitCode, KptrlabError } from '../util/errors.js';

/** One step of the schema: SQL (may hold several statements) or a function for data moves. */
export interface Migration {
  version: number;
  description: string;
  up: string | ((sqlite: Database.Database) => void);
}

/** 'kptl': marks a SQLite file as a kptrlab history database (PRAGMA application_id). */
export const HISTORY_APPLICATION_ID = 0x6b70746c;

const V1 = `
CREATE TABLE schema_migrations (
  version INTEGER PRIMARY KEY,
  description TEXT NOT NULL,
  applied_at TEXT NOT NULL
);
CREATE TABLE runs (
  id TEXT PRIMARY KEY,
  dir TEXT NOT NULL,
  config_file TEXT NOT NULL,
  config_hash TEXT NOT NULL,
  config_name TEXT,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  status TEXT NOT NULL,
  exit_code INTEGER,
  kptrlab_version TEXT NOT NULL,
  kptrlab_commit TEXT NOT NULL,
  host_hostname TEXT NOT NULL,
  host_cpu TEXT NOT NULL,
  host_kernel TEXT NOT NULL,
  host_cores INTEGER,
  host_memory_gib REAL,
  log_truncated INTEGER NOT NULL DEFAULT 0,
  ingested_at TEXT NOT NULL
);
CREATE INDEX runs_by_config_hash ON runs (config_hash, started_at);
CREATE INDEX runs_by_config_file ON runs (config_file, started_at);
CREATE INDEX runs_by_start ON runs (started_at);
CREATE TABLE targets (
  run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  arch TEXT NOT NULL,
  accelerator TEXT NOT NULL,
  time_unit TEXT NOT NULL,
  kernel_release TEXT NOT NULL,
  kernel_source TEXT,
  kernel_cache_key TEXT,
  kernel_variant TEXT,
  patches_json TEXT,
  series_declared TEXT,
  level_probed TEXT,
  libbpf TEXT,
  machine_hostname TEXT,
  machine_cpu TEXT,
  machine_kernel TEXT,
  machine_guest TEXT,
  errors_json TEXT NOT NULL DEFAULT '[]',
  PRIMARY KEY (run_id, name)
);
CREATE INDEX targets_like ON targets (machine_hostname, machine_cpu, arch, accelerator, time_unit, name, kernel_variant);
CREATE TABLE objects (
  run_id TEXT NOT NULL,
  target TEXT NOT NULL,
  source TEXT NOT NULL,
  hash TEXT NOT NULL,
  PRIMARY KEY (run_id, target, source),
  FOREIGN KEY (run_id, target) REFERENCES targets (run_id, name) ON DELETE CASCADE
);
CREATE TABLE cases (
  run_id TEXT NOT NULL,
  target TEXT NOT NULL,
  source TEXT NOT NULL,
  id TEXT NOT NULL,
  object_hash TEXT,
  level TEXT NOT NULL,
  expected TEXT NOT NULL,
  actual TEXT NOT NULL,
  status TEXT NOT NULL,
  reason TEXT,
  insns INTEGER,
  total_states INTEGER,
  peak_states INTEGER,
  verification_us INTEGER,
  PRIMARY KEY (run_id, target, source, id),
  FOREIGN KEY (run_id, target) REFERENCES targets (run_id, name) ON DELETE CASCADE
);
CREATE TABLE cells (
  run_id TEXT NOT NULL,
  target TEXT NOT NULL,
  size INTEGER NOT NULL,
  variant TEXT NOT NULL,
  unit TEXT NOT NULL,
  metric TEXT NOT NULL,
  object_hash TEXT,
  lookups INTEGER NOT NULL,
  repeat INTEGER NOT NULL,
  samples INTEGER NOT NULL,
  warmup INTEGER NOT NULL,
  seed INTEGER NOT NULL,
  median REAL NOT NULL,
  ci_low REAL NOT NULL,
  ci_high REAL NOT NULL,
  n INTEGER NOT NULL,
  mean REAL,
  cv REAL,
  per_access_json TEXT,
  durations_json TEXT NOT NULL,
  PRIMARY KEY (run_id, target, size, variant),
  FOREIGN KEY (run_id, target) REFERENCES targets (run_id, name) ON DELETE CASCADE
);
CREATE INDEX cells_like ON cells (target, size, variant, unit, lookups, repeat);
CREATE TABLE ratios (
  run_id TEXT NOT NULL,
  target TEXT NOT NULL,
  size INTEGER NOT NULL,
  numerator TEXT NOT NULL,
  denominator TEXT NOT NULL,
  unit TEXT NOT NULL,
  n INTEGER NOT NULL,
  ratio REAL NOT NULL,
  ci_low REAL NOT NULL,
  ci_high REAL NOT NULL,
  PRIMARY KEY (run_id, target, size, numerator, denominator),
  FOREIGN KEY (run_id, target) REFERENCES targets (run_id, name) ON DELETE CASCADE
);
CREATE TABLE integrity (
  run_id TEXT NOT NULL,
  target TEXT NOT NULL,
  size INTEGER NOT NULL,
  ok INTEGER NOT NULL,
  json TEXT NOT NULL,
  PRIMARY KEY (run_id, target, size),
  FOREIGN KEY (run_id, target) REFERENCES targets (run_id, name) ON DELETE CASCADE
);
PRAGMA application_id = ${HISTORY_APPLICATION_ID};
`;

/** The product's migrations, oldest first; append only (a released step is never edited). */
export const MIGRATIONS: readonly Migration[] = [{ version: 1, description: 'runs, targets, objects, cases, cells, ratios, integrity', up: V1 }];

/** The version a database has (0: empty). */
export function schemaVersion(sqlite: Database.Database): number {
  return sqlite.pragma('user_version', { simple: true }) as number;
}

/** Refuses what this kptrlab must not touch: a newer schema, or a SQLite file that is not a history database. */
export function checkOpenable(sqlite: Database.Database, path: string, migrations: readonly Migration[] = MIGRATIONS): void {
  const version = schemaVersion(sqlite);
  const newest = latestVersion(migrations);
  if (version > newest) {
    throw new KptrlabError('HISTORY_TOO_NEW', `history database ${path} has schema version ${version}; this kptrlab knows versions up to ${newest}`, {
      hint: 'A newer kptrlab wrote it: use that version, or point --db / KPTRLAB_HISTORY at another file. It was left unchanged.',
      exitCode: ExitCode.usage,
    });
  }
  const appId = sqlite.pragma('application_id', { simple: true }) as number;
  const tables = (sqlite.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number }).n;
  if ((appId !== 0 && appId !== HISTORY_APPLICATION_ID) || (version === 0 && tables > 0)) {
    throw new KptrlabError('HISTORY_NOT_OURS', `${path} is a SQLite database but not a kptrlab history database`, {
      hint: 'Point --db / KPTRLAB_HISTORY at a new or kptrlab-made file; this one was left unchanged.',
      exitCode: ExitCode.usage,
    });
  }
}

/** Applies every migration above the database's version in one immediate transaction; returns the versions. */
export function migrate(sqlite: Database.Database, path: string, migrations: readonly Migration[] = MIGRATIONS): { from: number; to: number } {
  checkSequence(migrations);
  checkOpenable(sqlite, path, migrations);
  const step = sqlite.transaction(() => {
    // Read again under the write lock: another process may have upgraded it meanwhile.
    const from = schemaVersion(sqlite);
    checkOpenable(sqlite, path, migrations);
    for (const migration of migrations) {
      if (migration.version <= from) continue;
      try {
        if (typeof migration.up === 'string') sqlite.exec(migration.up);
        else migration.up(sqlite);
      } catch (error) {
        throw new KptrlabError('HISTORY_MIGRATION_FAILED', `history database ${path}: migration to version ${migration.version} (${migration.description}) failed; nothing was changed`, {
          hint: 'Report it with the file; kptrlab never drops a history database, so it stays at its old version.',
          cause: error,
        });
      }
      sqlite.prepare('INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)').run(migration.version, migration.description, new Date().toISOString());
      sqlite.pragma(`user_version = ${migration.version}`);
    }
    return { from, to: schemaVersion(sqlite) };
  });
  return step.immediate();
}

/** The newest version a migration list reaches. */
export function latestVersion(migrations: readonly Migration[]): number {
  return migrations.at(-1)?.version ?? 0;
}

function checkSequence(migrations: readonly Migration[]): void {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) throw new Error(`history migrations must be numbered 1, 2, 3, ...: entry ${index} has version ${migration.version}`);
  });
}
