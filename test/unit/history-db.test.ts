// The SQLite history: real databases in a temp folder, real event logs through the real writer and reducer.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { execa } from 'execa';
import t from 'tap';
import { defaultHistoryPath, openHistory, sqliteOf, type HistoryDb } from '../../harness/history/db.js';
import { benchObjectHash, configName, ingestRun } from '../../harness/history/ingest.js';
import { perAccessValues } from '../../harness/history/per-access.js';
import { MIGRATIONS, type Migration } from '../../harness/history/migrations.js';
import { casesOf, cellKey, cellKeyId, cellSeries, cellsOf, listRuns, previousRun, runById } from '../../harness/history/queries.js';
import { EventLogWriter, readEventLog } from '../../harness/results/event-log.js';
import type { RunEvent } from '../../harness/results/events.js';
import type { Provenance, SampleRecord, TargetInfo } from '../../harness/results/model.js';
import { reduceEvents } from '../../harness/results/reduce.js';
import { median } from '../../harness/results/stats.js';
import type { BenchVariant } from '../../harness/results/vocab.js';
import { buildCell, buildRatios } from '../../harness/suites/bench-cells.js';
import { CLI } from '../helpers/cli.js';
import { integrity, runEnd, runStart } from '../helpers/events.js';

const BENCH_OBJECT = 'programs/bench/rbtree_bench.bpf.c';
const TABLES = ['runs', 'targets', 'objects', 'cases', 'cells', 'ratios', 'integrity', 'schema_migrations'];

interface LogSpec {
  id: string;
  startedAt: string;
  hostname?: string;
  targets?: string[];
  sizes?: number[];
  rounds?: number;
  /** false: no run-end (a run still going, or killed). */
  ended?: boolean;
  configHash?: string;
}

function temp(t: { teardown: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'kptrlab-history-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The events of a run with a verifier matrix and a benchmark on each target (stock, walk and the empty loop). */
function runEvents(spec: LogSpec): RunEvent[] {
  const targets = spec.targets ?? ['patched'];
  const start = runStart(targets, `results/${spec.id}/results.json`) as Extract<RunEvent, { type: 'run-start' }>;
  const events: RunEvent[] = [{ ...start, run: { ...start.run, id: spec.id, startedAt: spec.startedAt, configHash: spec.configHash ?? 'c0ffee' } }];
  const sizes = spec.sizes ?? [16, 4096];
  const rounds = spec.rounds ?? 12;
  for (const name of targets) {
    const info: TargetInfo = { name, kind: 'qemu', accelerator: 'kvm', timeUnit: 'ns', kernelRelease: '6.18.0-kptrlab', arch: 'x86_64' };
    const provenance: Provenance = {
      kernel: { release: '6.18.0-kptrlab', source: 'linux-source-6.18 6.18.1-1 sha256:aa', cacheKey: `k-${name}-1`, variant: name, patches: [{ patch: 'series/0001.patch', state: 'applied', sha256: 'p1' }] },
      series: { declared: 'full', probed: 'full' },
      objects: { 'programs/probes/xchg.bpf.c': 'probe-hash', 'programs/cases/walk.bpf.c': 'case-hash', [BENCH_OBJECT]: 'bench-hash' },
      libbpf: '1.8.0',
      accelerator: 'kvm',
      timeUnit: 'ns',
      machine: { hostname: spec.hostname ?? 'lab1', cpu: 'AMD EPYC 7763', kernelRelease: '6.1.0-28-amd64', guest: 'pc-q35-7.2' },
    };
    events.push({ type: 'target-start', target: info }, { type: 'provenance', target: name, provenance });
    for (const id of ['walk_ok', 'xchg_nonown']) {
      events.push({ type: 'case', target: name, result: { id, source: 'programs/cases/walk.bpf.c', description: id, level: 'full', expected: 'accept', actual: 'accept', status: 'pass', objectHash: 'case-hash', stats: { insnsProcessed: 120, maxStatesPerInsn: 1, totalStates: 14, peakStates: 9, markRead: 3, verificationTimeUs: 77 } } });
    }
    const variants: BenchVariant[] = ['stock', 'walk', 'empty'];
    events.push({ type: 'bench-start', target: name, bench: { sizes, samples: rounds, warmup: 1, lookups: 10, repeat: 2, seed: 7, unit: 'ns', variants } });
    for (const size of sizes) {
      const bySize = new Map<BenchVariant, SampleRecord[]>();
      for (let round = -1; round < rounds; round++) {
        for (const variant of variants) {
          const base = variant === 'empty' ? 500 : variant === 'walk' ? 900 : 2000;
          const sample: SampleRecord = { size, variant, round, durationNs: base + size / 16 + ((round * 37 + size) % 11) * 5, lookups: 10, hits: 10, misses: 0, keyOffset: Math.max(round, 0) * 20 };
          events.push({ type: 'bench-sample', target: name, sample });
          bySize.set(variant, [...(bySize.get(variant) ?? []), sample]);
        }
      }
      const empty = bySize.get('empty')!;
      for (const variant of variants) events.push({ type: 'bench-cell', target: name, cell: buildCell(size, variant, 'ns', bySize.get(variant)!, empty) });
      for (const ratio of buildRatios(size, 'ns', bySize, empty, 7)) events.push({ type: 'bench-ratio', target: name, ratio });
      events.push({ type: 'bench-integrity', target: name, integrity: integrity(size, (rounds + 1) * 20, Math.min(size, (rounds + 1) * 20)) });
    }
  }
  if (spec.ended !== false) events.push({ ...runEnd(0), finishedAt: spec.startedAt.replace('00.000Z', '59.000Z') } as RunEvent);
  return events;
}

/** Writes the run's folder with its event log, as a run does; returns the folder. */
function writeRun(root: string, spec: LogSpec): string {
  const dir = join(root, 'results', spec.id);
  const writer = new EventLogWriter(join(dir, 'events.ndjson'));
  for (const event of runEvents(spec)) writer.append(event);
  writer.close();
  return dir;
}

/** Row counts and a sha256 over every row of every table, read through a separate read-only connection. */
function snapshot(path: string): { counts: Record<string, number>; checksum: string } {
  const sqlite = new Database(path, { readonly: true });
  try {
    const hash = createHash('sha256');
    const counts: Record<string, number> = {};
    for (const table of TABLES) {
      const rows = sqlite.prepare(`SELECT * FROM ${table} ORDER BY rowid`).all();
      counts[table] = rows.length;
      hash.update(`${table}\n${JSON.stringify(rows)}\n`);
    }
    return { counts, checksum: hash.digest('hex') };
  } finally {
    sqlite.close();
  }
}

function fileHash(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function open(t: { teardown: (fn: () => void) => void }, path: string, migrations?: readonly Migration[]): HistoryDb {
  const db = openHistory(path, migrations ? { migrations } : {});
  t.teardown(() => db.close());
  return db;
}

t.test('the database path: KPTRLAB_HISTORY, else XDG_DATA_HOME, else ~/.local/share', async (t) => {
  t.equal(defaultHistoryPath({ KPTRLAB_HISTORY: '/srv/h.db', XDG_DATA_HOME: '/x' }), '/srv/h.db');
  t.equal(defaultHistoryPath({ XDG_DATA_HOME: '/x' }), '/x/kptrlab/history.db');
  t.match(defaultHistoryPath({}), /\/\.local\/share\/kptrlab\/history\.db$/);
  t.equal(configName('config/ab.yaml'), 'ab');
});

t.test('a fresh database is created with its folder, in WAL mode, at schema version 1', async (t) => {
  const path = join(temp(t), 'deep', 'er', 'history.db');
  const db = open(t, path);
  t.equal(db.schemaVersion, 1);
  t.equal(db.upgradedFrom, 0);
  t.equal(db.path, path);
  const sqlite = sqliteOf(db);
  t.equal(sqlite.pragma('user_version', { simple: true }), 1);
  t.equal(sqlite.pragma('journal_mode', { simple: true }), 'wal');
  t.equal(sqlite.pragma('foreign_keys', { simple: true }), 1);
  t.same(sqlite.prepare('SELECT version, description FROM schema_migrations').all(), [{ version: 1, description: MIGRATIONS[0]!.description }]);
  db.close();
  const again = open(t, path);
  t.equal(again.upgradedFrom, 1, 'opening again applies nothing');
});

t.test('ingest stores the run with the provenance of every result and the per-access values of every cell', async (t) => {
  const root = temp(t);
  const dir = writeRun(root, { id: 'r-1', startedAt: '2026-01-01T10:00:00.000Z', targets: ['patched', 'stock'] });
  const db = open(t, join(root, 'history.db'));
  const result = ingestRun(db, dir);
  t.same(result, { runId: 'r-1', inserted: true, truncated: false });

  const run = runById(db, 'r-1')!;
  t.match(run, { id: 'r-1', dir, configFile: 'config/local.yaml', configName: 'local', configHash: 'c0ffee', status: 'passed', exitCode: 0, kptrlabVersion: '0.1.0', kptrlabCommit: 'abc', host: { hostname: 'h', cpu: 'c', kernelRelease: '6.18.0' }, finishedAt: '2026-01-01T10:00:59.000Z' });
  const target = sqliteOf(db).prepare("SELECT * FROM targets WHERE run_id = 'r-1' AND name = 'patched'").get();
  t.match(target, {
    kind: 'qemu', arch: 'x86_64', accelerator: 'kvm', time_unit: 'ns', kernel_release: '6.18.0-kptrlab', kernel_source: 'linux-source-6.18 6.18.1-1 sha256:aa',
    kernel_cache_key: 'k-patched-1', kernel_variant: 'patched', series_declared: 'full', level_probed: 'full', libbpf: '1.8.0',
    machine_hostname: 'lab1', machine_cpu: 'AMD EPYC 7763', machine_kernel: '6.1.0-28-amd64', machine_guest: 'pc-q35-7.2',
  });
  t.same(JSON.parse((target as { patches_json: string }).patches_json), [{ patch: 'series/0001.patch', state: 'applied', sha256: 'p1' }]);

  const cases = casesOf(db, 'r-1');
  t.equal(cases.length, 4);
  t.match(cases[0], { target: 'patched', id: 'walk_ok', objectHash: 'case-hash', status: 'pass', insns: 120, totalStates: 14, peakStates: 9, verificationUs: 77 });

  const cells = cellsOf(db, 'r-1');
  t.equal(cells.length, 2 * 2 * 3, 'targets × sizes × variants');
  const results = reduceEvents(readEventLog(join(dir, 'events.ndjson')).events);
  const bench = results.targets[0]!.bench!;
  for (const cell of cells.filter((each) => each.target === 'patched')) {
    const source = bench.cells.find((each) => each.size === cell.size && each.variant === cell.variant)!;
    t.equal(cell.objectHash, 'bench-hash', 'the benchmark object, not a probe or a case');
    t.match(cell, { lookups: 10, repeat: 2, samples: 12, warmup: 1, seed: 7, n: 12, kernelCacheKey: 'k-patched-1', machineHostname: 'lab1', accelerator: 'kvm' });
    t.same(cell.durations, source.durations);
    if (cell.variant === 'empty') {
      t.equal(cell.metric, 'per-lookup');
      t.equal(cell.perAccess, null);
      t.equal(cell.median, source.perLookup.median);
      continue;
    }
    t.equal(cell.metric, 'per-access');
    t.equal(cell.perAccess!.length, 12, 'one value per measured round; the warm-up is left out');
    t.equal(median(cell.perAccess!), cell.median, `${cell.variant}@${cell.size}: the stored values give the stored median`);
    t.same([cell.median, cell.ciLow, cell.ciHigh], [source.perAccess!.median, source.perAccess!.ciLow, source.perAccess!.ciHigh]);
  }
  const counts = snapshot(db.path).counts;
  t.same(counts, { runs: 1, targets: 2, objects: 6, cases: 4, cells: 12, ratios: 4, integrity: 4, schema_migrations: 1 });
});

t.test('per-access values and the benchmark object, as pure functions', async (t) => {
  const sample = (variant: BenchVariant, round: number, durationNs: number): SampleRecord => ({ size: 16, variant, round, durationNs, lookups: 10, hits: 10, misses: 0, keyOffset: 0 });
  const samples = [sample('stock', 1, 1300), sample('empty', 0, 100), sample('stock', 0, 1100), sample('stock', -1, 9999), sample('empty', 1, 200), { ...sample('stock', 0, 5), size: 32 }];
  t.same(perAccessValues(samples, { size: 16, variant: 'stock' }), [100, 110], 'round order, warm-up out, minus the same round\'s empty loop');
  t.equal(benchObjectHash({ cases: [], provenance: undefined }), null);
  const provenance = { objects: { 'programs/probes/p.bpf.c': 'p', 'programs/cases/c.bpf.c': 'c', 'my/bench.bpf.c': 'b' } } as unknown as Provenance;
  t.equal(benchObjectHash({ cases: [{ source: 'programs/cases/c.bpf.c' }] as never, provenance }), 'b', 'a bench program outside programs/bench/ is found too');
});

t.test('ingesting the same run twice changes nothing', async (t) => {
  const root = temp(t);
  const dir = writeRun(root, { id: 'r-1', startedAt: '2026-01-01T10:00:00.000Z' });
  const db = open(t, join(root, 'history.db'));
  t.equal(ingestRun(db, dir).inserted, true);
  const before = snapshot(db.path);
  t.same(ingestRun(db, dir), { runId: 'r-1', inserted: false, truncated: false });
  t.same(ingestRun(db, join(dir, 'events.ndjson')), { runId: 'r-1', inserted: false, truncated: false }, 'the log file itself names the same run');
  const after = snapshot(db.path);
  t.same(after.counts, before.counts);
  t.equal(after.checksum, before.checksum, 'every row identical, ingested_at included');
});

t.test('queries: runs newest first, like-for-like cell series in time order, the previous run of a config', async (t) => {
  const root = temp(t);
  const db = open(t, join(root, 'history.db'));
  ingestRun(db, writeRun(root, { id: 'r-2', startedAt: '2026-01-02T10:00:00.000Z' }));
  ingestRun(db, writeRun(root, { id: 'r-1', startedAt: '2026-01-01T10:00:00.000Z' }));
  ingestRun(db, writeRun(root, { id: 'other-machine', startedAt: '2026-01-01T12:00:00.000Z', hostname: 'lab2' }));
  ingestRun(db, writeRun(root, { id: 'other-config', startedAt: '2026-01-01T18:00:00.000Z', configHash: 'beef', sizes: [16] }));
  ingestRun(db, writeRun(root, { id: 'r-3', startedAt: '2026-01-03T10:00:00.000Z', sizes: [16] }));

  t.same(listRuns(db).map((run) => run.id), ['r-3', 'r-2', 'other-config', 'other-machine', 'r-1']);
  t.same(listRuns(db, { limit: 2 }).map((run) => run.id), ['r-3', 'r-2']);
  t.same(listRuns(db, { config: 'beef' }).map((run) => run.id), ['other-config']);
  t.match(listRuns(db, { limit: 1 })[0], { targets: 1, cases: 2, cells: 3 });

  const cell = cellsOf(db, 'r-3').find((each) => each.variant === 'stock' && each.size === 16)!;
  const key = cellKey(cell);
  t.same(key, { machineHostname: 'lab1', machineCpu: 'AMD EPYC 7763', arch: 'x86_64', accelerator: 'kvm', unit: 'ns', target: 'patched', kernelVariant: 'patched', size: 16, variant: 'stock', lookups: 10, repeat: 2 });
  const series = cellSeries(db, key);
  t.same(series.map((point) => point.runId), ['r-1', 'other-config', 'r-2', 'r-3'], 'same machine, target, cell and workload; another machine is left out');
  t.match(series[0], { median: cell.median, kernelCacheKey: 'k-patched-1', objectHash: 'bench-hash', status: 'passed', configHash: 'c0ffee' });
  t.equal(series[0]!.perAccess!.length, 12);
  t.same(cellSeries(db, { ...key, size: 4096 }).map((point) => point.runId), ['r-1', 'r-2']);
  t.same(cellSeries(db, { ...key, machineHostname: 'lab2' }).map((point) => point.runId), ['other-machine']);
  t.same(cellSeries(db, { ...key, lookups: 20 }), []);
  t.not(cellKeyId(key), cellKeyId({ ...key, kernelVariant: null }));

  t.equal(previousRun(db, { before: 'r-3' })?.id, 'r-2', 'by the config file by default');
  t.equal(previousRun(db, { configHash: 'c0ffee', before: 'r-2' })?.id, 'other-machine');
  t.equal(previousRun(db, { configHash: 'c0ffee', before: 'r-1' }), undefined);
  t.throws(() => previousRun(db, { before: 'nope' }), { code: 'HISTORY_UNKNOWN_RUN' });
});

t.test('a database from a newer kptrlab is refused with a clear message and left unchanged', async (t) => {
  const path = join(temp(t), 'history.db');
  openHistory(path).close();
  const raw = new Database(path);
  raw.pragma('user_version = 99');
  raw.close();
  const before = fileHash(path);
  t.throws(() => openHistory(path), { code: 'HISTORY_TOO_NEW', message: /schema version 99; this kptrlab knows versions up to 1/, hint: /left unchanged/ });
  t.equal(fileHash(path), before, 'not a byte changed');
  t.notOk(existsSync(`${path}-wal`) && statSync(`${path}-wal`).size > 0, 'and nothing waits in a WAL');
});

t.test('a SQLite file that is not a history database is refused untouched', async (t) => {
  const path = join(temp(t), 'other.db');
  const raw = new Database(path);
  raw.exec('CREATE TABLE notes (x TEXT)');
  raw.close();
  const before = fileHash(path);
  t.throws(() => openHistory(path), { code: 'HISTORY_NOT_OURS' });
  t.equal(fileHash(path), before);
  writeFileSync(path, 'not sqlite at all, just some text long enough to have a header........................................');
  t.throws(() => openHistory(path), { code: 'HISTORY_OPEN', message: /other\.db/ });
});

t.test('an older database is upgraded in place, its runs kept; a failing step changes nothing', async (t) => {
  const root = temp(t);
  const path = join(root, 'history.db');
  const v1 = open(t, path);
  ingestRun(v1, writeRun(root, { id: 'r-1', startedAt: '2026-01-01T10:00:00.000Z' }));
  v1.close();
  const before = snapshot(path);

  // Test-only steps: the product has only version 1 so far.
  const broken: Migration = { version: 2, description: 'test: a step that fails half-way', up: 'ALTER TABLE runs ADD COLUMN note TEXT; SELECT no_such_function();' };
  t.throws(() => openHistory(path, { migrations: [...MIGRATIONS, broken] }), { code: 'HISTORY_MIGRATION_FAILED', message: /migration to version 2 .* nothing was changed/ });
  const untouched = new Database(path, { readonly: true });
  t.equal(untouched.pragma('user_version', { simple: true }), 1);
  t.notOk((untouched.prepare('PRAGMA table_info(runs)').all() as Array<{ name: string }>).some((column) => column.name === 'note'), 'the half step was rolled back');
  untouched.close();
  t.equal(snapshot(path).checksum, before.checksum);

  const v2: Migration = { version: 2, description: 'test: runs get a note', up: (sqlite) => sqlite.exec("ALTER TABLE runs ADD COLUMN note TEXT; UPDATE runs SET note = 'kept'") };
  const upgraded = open(t, path, [...MIGRATIONS, v2]);
  t.equal(upgraded.upgradedFrom, 1);
  t.equal(upgraded.schemaVersion, 2);
  t.same(sqliteOf(upgraded).prepare('SELECT id, note FROM runs').all(), [{ id: 'r-1', note: 'kept' }]);
  t.same(sqliteOf(upgraded).prepare('SELECT version FROM schema_migrations ORDER BY version').all(), [{ version: 1 }, { version: 2 }]);
  upgraded.close();
  t.throws(() => openHistory(path), { code: 'HISTORY_TOO_NEW' }, 'and this kptrlab (version 1) then refuses it');
});

t.test('a kill during ingest leaves no partial run; the database opens and the run imports again', async (t) => {
  const root = temp(t);
  const path = join(root, 'history.db');
  openHistory(path).close();
  // Big enough that the first target's rows spill out of a small page cache into the WAL before the kill.
  const dir = writeRun(root, { id: 'big', startedAt: '2026-01-01T10:00:00.000Z', targets: ['first', 'second'], sizes: Array.from({ length: 16 }, (_, i) => 16 << i), rounds: 60 });
  const child = `
    const { openHistory, sqliteOf } = await import(${JSON.stringify(new URL('../../harness/history/db.js', import.meta.url).href)});
    const { ingestRun } = await import(${JSON.stringify(new URL('../../harness/history/ingest.js', import.meta.url).href)});
    const db = openHistory(process.env.DB);
    sqliteOf(db).pragma('cache_size = 8');
    ingestRun(db, process.env.RUN, { onTarget: (target, done) => { if (done === 1) process.kill(process.pid, 'SIGKILL'); } });
    process.stdout.write('not killed');`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', child], { env: { ...process.env, DB: path, RUN: dir }, encoding: 'utf8' });
  t.equal(result.signal, 'SIGKILL', result.stderr);
  t.equal(result.stdout, '');
  t.ok(statSync(`${path}-wal`).size > 64 * 1024, `uncommitted pages reached the WAL (${statSync(`${path}-wal`).size} bytes) before the kill`);

  const db = open(t, path);
  t.equal(runById(db, 'big'), undefined, 'no run row');
  t.same(Object.values(snapshot(path).counts), [0, 0, 0, 0, 0, 0, 0, 1], 'no row of any table');
  t.same(ingestRun(db, dir), { runId: 'big', inserted: true, truncated: false }, 're-import succeeds');
  t.equal(cellsOf(db, 'big').length, 2 * 16 * 3);
});

t.test('refused: a folder without an event log, a run that has not ended (unless allowed)', async (t) => {
  const root = temp(t);
  const db = open(t, join(root, 'history.db'));
  const empty = join(root, 'results', 'nothing');
  mkdirSync(empty, { recursive: true });
  t.throws(() => ingestRun(db, empty), { code: 'HISTORY_NO_EVENT_LOG', message: `no event log at ${join(empty, 'events.ndjson')}` });

  const dir = writeRun(root, { id: 'live', startedAt: '2026-01-01T10:00:00.000Z', ended: false });
  t.throws(() => ingestRun(db, dir), { code: 'HISTORY_RUN_INCOMPLETE', message: /run live .* has no run-end/, hint: /--allow-incomplete/ });
  t.equal(listRuns(db).length, 0, 'nothing stored');
  t.same(ingestRun(db, dir, { allowIncomplete: true }), { runId: 'live', inserted: true, truncated: false });
  t.equal(runById(db, 'live')!.status, 'running');
  t.equal(ingestRun(db, dir, { allowIncomplete: true }).inserted, false, 'the same incomplete log again changes nothing');
  t.equal(previousRun(db, { before: 'live' }), undefined);

  // The same run after it ended (e.g. copied from the machine that finished it).
  const finished = join(root, 'finished');
  const writer = new EventLogWriter(join(finished, 'events.ndjson'));
  for (const event of runEvents({ id: 'live', startedAt: '2026-01-01T10:00:00.000Z' })) writer.append(event);
  writer.close();
  t.same(ingestRun(db, finished), { runId: 'live', inserted: true, replaced: true, truncated: false }, 'the finished run replaces its incomplete copy');
  t.equal(runById(db, 'live')!.status, 'passed');
  t.equal(cellsOf(db, 'live').length, 6);

  const corrupt = join(root, 'results', 'corrupt');
  mkdirSync(corrupt, { recursive: true });
  writeFileSync(join(corrupt, 'events.ndjson'), '{"type":"case"}\n');
  t.throws(() => ingestRun(db, corrupt), { code: 'HISTORY_EVENT_LOG_INVALID', message: /events\.ndjson:1: not a kptrlab event log/ });
});

t.test('the CLI: history import prints inserted then already present, history runs lists them', async (t) => {
  const root = temp(t);
  const dbPath = join(root, 'db', 'history.db');
  const dir = writeRun(root, { id: 'r-cli', startedAt: '2026-01-01T10:00:00.000Z' });
  const cli = (args: string[]) => execa(process.execPath, [CLI, ...args], { reject: false, env: { KPTRLAB_NO_UI: '1' } });
  const first = await cli(['history', 'import', dir, join(root, 'missing'), '--db', dbPath]);
  t.equal(first.exitCode, 2, 'a missing folder fails the command');
  t.match(first.stdout, /^r-cli {2}inserted/m);
  t.match(first.stderr, /missing: no run folder at \/.*\/missing \[HISTORY_NO_EVENT_LOG\]/);
  const second = await cli(['history', 'import', dir, '--db', dbPath]);
  t.equal(second.exitCode, 0);
  t.match(second.stdout, /^r-cli {2}already present/m);
  const runs = await cli(['history', 'runs', '--db', dbPath, '--limit', '5']);
  t.equal(runs.exitCode, 0, runs.stderr);
  t.match(runs.stdout, /^run +started \(UTC\) +status +config +targets +cases +cells +commit\nr-cli +2026-01-01 10:00:00 +passed \(0\) +local +1 +2 +6 +abc$/m);
  const json = await cli(['history', 'runs', '--db', dbPath, '--json']);
  t.match(JSON.parse(json.stdout), [{ id: 'r-cli', status: 'passed' }]);
  const bad = await cli(['history', 'runs', '--db', dbPath, '--limit', 'x']);
  t.equal(bad.exitCode, 2);
  t.match(bad.stderr, /--limit takes a positive whole number/);
});
