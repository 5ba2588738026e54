// The history database: where it lives, opening it (WAL, foreign keys, migrations). The SQLite handle stays in
// harness/history/; callers hold a HistoryDb and use ingest.ts and queries.ts.
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { ExitCode, KptrlabError } from '../util/errors.js';
import { migrate, MIGRATIONS, type Migration } from './migrations.js';

export interface HistoryDb {
  /** Absolute path of the database file. */
  readonly path: string;
  /** Schema version after opening (the migrations' newest). */
  readonly schemaVersion: number;
  /** The version the file had before this open upgraded it (0: it was new). */
  readonly upgradedFrom: number;
  close(): void;
}

const handles = new WeakMap<HistoryDb, Database.Database>();

/** The database file: KPTRLAB_HISTORY, else $XDG_DATA_HOME/kptrlab/history.db, else ~/.local/share/kptrlab/history.db. */
export function defaultHistoryPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KPTRLAB_HISTORY) return resolve(env.KPTRLAB_HISTORY);
  const data = env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(data, 'kptrlab', 'history.db');
}

export interface OpenOptions {
  /** The schema steps to apply (tests pass their own list; the product uses MIGRATIONS). */
  migrations?: readonly Migration[];
}

/** Opens (creating the folder and file) and upgrades the history database; refuses a newer or foreign one untouched. */
export function openHistory(path: string = defaultHistoryPath(), options: OpenOptions = {}): HistoryDb {
  const file = resolve(path);
  mkdirSync(dirname(file), { recursive: true });
  let sqlite: Database.Database;
  try {
    sqlite = new Database(file);
  } catch (error) {
    throw openError(file, error);
  }
  try {
    // Checks and upgrades first: journal_mode=WAL writes the file header, which a refused file must not see.
    const { from, to } = migrate(sqlite, file, options.migrations ?? MIGRATIONS);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('foreign_keys = ON');
    const db: HistoryDb = { path: file, schemaVersion: to, upgradedFrom: from, close: () => sqlite.close() };
    handles.set(db, sqlite);
    return db;
  } catch (error) {
    sqlite.close();
    if (error instanceof KptrlabError) throw error;
    throw openError(file, error);
  }
}

/** The SQLite version the addon links, from a throwaway in-memory database (doctor's check that it loads here). */
export function sqliteVersion(): string {
  let sqlite: Database.Database;
  try {
    sqlite = new Database(':memory:');
  } catch (error) {
    throw openError(':memory:', error);
  }
  try {
    return String(sqlite.prepare('SELECT sqlite_version() AS version').pluck().get());
  } finally {
    sqlite.close();
  }
}

/** The SQLite handle of an open database; for harness/history/ modules only. */
export function sqliteOf(db: HistoryDb): Database.Database {
  const sqlite = handles.get(db);
  if (!sqlite || !sqlite.open) throw new Error(`history database ${db.path} is closed`);
  return sqlite;
}

function openError(file: string, error: unknown): KptrlabError {
  const message = error instanceof Error ? error.message : String(error);
  // The addon missing or built for another Node: the one fix is rebuilding it.
  if (/better_sqlite3\.node|NODE_MODULE_VERSION|Could not locate the bindings file/.test(message)) {
    return new KptrlabError('HISTORY_SQLITE_MISSING', `SQLite (better-sqlite3) is not built for this Node ${process.version}`, {
      hint: 'Run `npm run build:native`: it builds better-sqlite3 with node-gyp from the local Node headers.',
      cause: error,
    });
  }
  return new KptrlabError('HISTORY_OPEN', `cannot open history database ${file}: ${message}`, {
    hint: 'Check the path and its permissions, or point --db / KPTRLAB_HISTORY at another file.',
    cause: error,
    exitCode: ExitCode.unavailable,
  });
}
