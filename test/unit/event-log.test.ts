// The event log is the run's record: it round-trips, survives a cut-off last line, and refuses what it cannot trust.
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { EventLogWriter, readEventLog } from '../../harness/results/event-log.js';
import type { RunEvent } from '../../harness/results/events.js';
import { applyEvent, reduceEvents } from '../../harness/results/reduce.js';
import { EventBus } from '../../harness/runner/events.js';
import { runEnd, runStart } from '../helpers/events.js';

const target = { name: 'base', kind: 'qemu' as const, accelerator: 'tcg' as const, timeUnit: 'icount-ns' as const, kernelRelease: '7.3.4', arch: 'x86_64' };
const sample = (round: number) => ({ size: 16, variant: 'stock' as const, round, durationNs: 1000 + round, lookups: 10, hits: 10, misses: 0, keyOffset: round * 10 });
const events: RunEvent[] = [
  runStart(['base']),
  { type: 'target-start', target },
  { type: 'provenance', target: 'base', provenance: { objects: { 'programs/bench/rbtree_bench.bpf.c': 'ab12' }, libbpf: '1.8.0' } },
  { type: 'bench-start', target: 'base', bench: { sizes: [16], samples: 10, warmup: 0, lookups: 10, repeat: 1, seed: 1, unit: 'icount-ns', variants: ['stock', 'empty'] } },
  { type: 'bench-sample', target: 'base', sample: sample(0) },
  { type: 'bench-sample', target: 'base', sample: sample(1) },
  { type: 'error', target: 'base', stage: 'bench', code: 'TARGET_DIED', message: 'the target stopped answering during bench', consoleTail: 'Kernel panic' },
  runEnd(1),
];

function tempLog(t: { teardown: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'kptrlab-log-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'events.ndjson');
}

t.test('a written log reads back event for event and reduces to the live state', async (t) => {
  const path = tempLog(t);
  const bus = new EventBus(new EventLogWriter(path));
  for (const event of events) bus.emit(event);
  bus.close();
  const log = readEventLog(path);
  t.same(log.events, events);
  t.equal(log.truncated, false);
  const rebuilt = reduceEvents(log.events);
  t.same(rebuilt, bus.state, 'the same reducer gives the same results from the file as live');
  t.equal(rebuilt.targets[0]!.bench!.rawSamples.length, 2, 'finished samples of an unfinished size are kept');
  t.equal(rebuilt.targets[0]!.errors[0]!.stage, 'bench', 'the failure names the stage');
  t.equal(rebuilt.targets[0]!.provenance!.libbpf, '1.8.0');
  t.equal(rebuilt.run.exitCode, 1);
});

t.test('a log cut off mid-line (a crash) loses only that line', async (t) => {
  const path = tempLog(t);
  writeFileSync(path, events.slice(0, 5).map((event) => `${JSON.stringify(event)}\n`).join(''));
  appendFileSync(path, JSON.stringify(events[5]).slice(0, 25));
  const log = readEventLog(path);
  t.equal(log.truncated, true);
  t.equal(log.events.length, 5);
  t.equal(reduceEvents(log.events).run.status, 'running', 'a run that never ended says so');
});

t.test('a corrupt line in the middle, a foreign file and a newer schema are refused with the file and line', async (t) => {
  const path = tempLog(t);
  const lines = events.map((event) => JSON.stringify(event));
  writeFileSync(path, [lines[0], lines[1], '{"type": "case", oops', lines[2], ''].join('\n'));
  t.throws(() => readEventLog(path), { message: /events\.ndjson:3: not a JSON event/ });
  writeFileSync(path, `${JSON.stringify({ type: 'case' })}\n`);
  t.throws(() => readEventLog(path), { message: /events\.ndjson:1: not a kptrlab event log/ });
  writeFileSync(path, `${JSON.stringify({ ...events[0], schemaVersion: 99 })}\n`);
  t.throws(() => readEventLog(path), { message: /schema version 99, this kptrlab reads version 1/ });
  writeFileSync(path, '');
  t.throws(() => readEventLog(path), { message: /the log is empty/ });
});

t.test('the reducer refuses events out of order instead of inventing state', async (t) => {
  t.throws(() => applyEvent(undefined, events[1]!), { message: /first event must be run-start/ });
  const state = applyEvent(undefined, events[0]!);
  applyEvent(state, { type: 'target-start', target });
  t.throws(() => applyEvent(state, { type: 'bench-sample', target: 'base', sample: sample(0) }), { message: /before bench-start/ });
});

t.test('appending never truncates an existing log', async (t) => {
  const path = tempLog(t);
  const first = new EventLogWriter(path);
  first.append(events[0]!);
  first.close();
  const second = new EventLogWriter(path);
  second.append(events[1]!);
  second.close();
  t.equal(readFileSync(path, 'utf8').trim().split('\n').length, 2);
});
