// bench.precision from the agent's events to the report: a simulated agent (the real round loop and key plan, fake
// durations) adds rounds; integrity must expect them, cells record their width and n, the size its stop reason,
// the table says what happened, and the history takes the run as it is.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { chooseKeys, distinctKeys, keyOffset, seededRandom } from '../../harness/agent/bench-plan.js';
import { runRounds } from '../../harness/agent/bench-sampling.js';
import type { AgentBenchVariant, AgentEvent, AgentRequest, BenchRequest } from '../../harness/agent/protocol.js';
import { DEFAULTS, type BenchConfig } from '../../harness/config/run-config.js';
import { openHistory } from '../../harness/history/db.js';
import { ingestRun } from '../../harness/history/ingest.js';
import { cellsOf } from '../../harness/history/queries.js';
import { EventLogWriter } from '../../harness/results/event-log.js';
import type { RunEvent, TargetEventBody } from '../../harness/results/events.js';
import type { TargetInfo } from '../../harness/results/model.js';
import { runBenchSuite } from '../../harness/suites/bench-suite.js';
import type { Target } from '../../harness/targets/target.js';
import { replay, runEnd, runStart } from '../helpers/events.js';

const info: TargetInfo = { name: 'local', kind: 'local', accelerator: 'native', timeUnit: 'ns', kernelRelease: '6.18.0', arch: 'x86_64' };
const KEYS = 4096;

/** Per-access cost of each variant per round: walk tight (CV ~1 %), stock noisy (never within ±2 %). */
function costs(seed: number): Record<'walk' | 'stock', () => number> {
  const random = seededRandom(seed);
  return { walk: () => 30 * (1 + 0.02 * (random() - 0.5)), stock: () => 100 * Math.exp(1.5 * (random() - 0.5)) };
}

/** A target whose agent runs the real round loop on a fake 100 ms-per-round clock; `sayRounds: false` leaves out size-sampled. */
function simulatedTarget(options: { sayRounds?: boolean } = {}): { target: Target; requests: BenchRequest[] } {
  const requests: BenchRequest[] = [];
  const runAgent = async (request: AgentRequest, onEvent: (event: AgentEvent) => void) => {
    const bench = request as BenchRequest;
    requests.push(bench);
    const perSample = bench.lookups * bench.repeat;
    for (const size of bench.sizes) {
      onEvent({ type: 'size-start', size, populateNs: 1000, keys: KEYS });
      const next = costs(size);
      const variants: AgentBenchVariant[] = [...bench.variants, 'empty'];
      const perAccess = new Map(bench.variants.map((variant) => [variant, [] as number[]]));
      const offsets: number[] = [];
      let now = 0;
      const sampled = runRounds(bench, (run) => {
        now += 100;
        const round = run - bench.warmup;
        const offset = keyOffset(run, bench.lookups, bench.repeat, KEYS);
        offsets.push(offset);
        for (const variant of variants) {
          const cost = variant === 'empty' ? 0 : next[variant as 'walk' | 'stock']();
          if (round >= 0 && variant !== 'empty') perAccess.get(variant)!.push(cost);
          onEvent({ type: 'sample', size, variant, round, lookups: bench.lookups, durationNs: bench.lookups * (2 + cost), hits: variant === 'empty' ? 0 : perSample, misses: 0, keyOffset: offset });
        }
      }, [...perAccess.values()], () => now);
      if (sampled.stop && options.sayRounds !== false) onEvent({ type: 'size-sampled', size, rounds: sampled.measuredRounds, stop: sampled.stop, elapsedMs: sampled.elapsedMs });
      const distinct = distinctKeys(chooseKeys(size, bench.seed, KEYS), offsets, perSample);
      const counted = Object.fromEntries(bench.variants.map((variant) => [variant, { accesses: offsets.length * perSample, distinctNodes: distinct }]));
      onEvent({ type: 'integrity', size, nodes: size, counted });
    }
  };
  const target = { info, btfPath: '', runAgent } as unknown as Target;
  return { target, requests };
}

const config = (extra: Partial<BenchConfig> = {}): BenchConfig => ({
  ...DEFAULTS.bench, sizes: [16, 256], variants: ['stock', 'walk'], samples: 10, warmup: 1, lookups: 10, repeat: 2, precision: undefined, ...extra,
});

async function runSuite(bench: BenchConfig, options: { sayRounds?: boolean } = {}) {
  const { target, requests } = simulatedTarget(options);
  const bodies: TargetEventBody[] = [];
  await runBenchSuite(target, { path: 'bench.o', hash: 'h' }, bench, 'base', (event) => bodies.push(event));
  const events: RunEvent[] = [runStart(['local']), { type: 'target-start', target: info }, ...bodies.map((body) => ({ ...body, target: 'local' }) as RunEvent), runEnd(0)];
  const { out, state } = replay(events, 'table');
  return { out, bench: state.targets[0]!.bench!, requests, events };
}

t.test('precision: extra rounds pass integrity; cells carry width, n and the verdict; the size its stop reason', async (t) => {
  const { out, bench, requests, events } = await runSuite(config({ precision: { halfWidthPercent: 2, budgetSec: 5, maxSamples: 1000 } }));
  t.same(requests[0]!.precision, { halfWidthPercent: 2, budgetSec: 5, maxSamples: 1000 }, 'the agent is asked for it');
  t.same(bench.precision, { halfWidthPercent: 2, budgetSec: 5, maxSamples: 1000 }, 'and the results say it was');
  t.same(bench.errors, []);
  // 5 s of 100 ms rounds, one of them warm-up: 49 measured rounds, far past the 10 fixed ones.
  t.same(bench.sampling?.map((entry) => [entry.size, entry.rounds, entry.stop]), [[16, 49, 'budget'], [256, 49, 'budget']]);
  for (const integrity of bench.integrity) t.equal(integrity.ok, true, `integrity at ${integrity.size}: ${integrity.problems.join('; ')}`);
  t.equal(bench.integrity[0]!.variants[0]!.accesses.expected, 50 * 20, 'warm-up and every extra round counted');
  const cell = (variant: string) => bench.cells.find((entry) => entry.size === 16 && entry.variant === variant)!;
  t.equal(cell('walk').samplesUsed, 49);
  t.equal(cell('walk').perAccess!.n, 49);
  t.ok(cell('walk').ciHalfWidthPercent! < 2, `walk converged (±${cell('walk').ciHalfWidthPercent} %)`);
  t.same(cell('walk').precision, { targetPercent: 2, reached: true });
  t.same(cell('stock').precision, { targetPercent: 2, reached: false }, 'stock kept the size sampling');
  t.equal(cell('empty').precision, undefined, 'the calibration loop gets no verdict');
  t.type(cell('empty').ciHalfWidthPercent, 'number', 'but its width is recorded');
  const types = events.map((event) => event.type);
  t.ok(types.indexOf('bench-sampled') < types.indexOf('bench-integrity'), 'the stop reason comes before the size\'s integrity');
  t.match(out, /bench size 16: budget ran out after 5\.0 s at 49 rounds\n/, 'a live line per size');
  t.match(out, /median \[95% CI\] ±CI half-width in % of the median, n samples; precision: until ±2\.0 % within 5 s per size, at most 1000 samples/);
  t.match(out, /16\s+\d+\.?\d* \[[^\]]+\] ±\d+\.?\d*% n=49\s+\d+\.?\d* \[[^\]]+\] ±\d\.\d% n=49/, 'every cell shows ±CI% and n');
  t.match(out, /\n {2}size 16: budget ran out after 5\.0 s at 49 rounds \(stock ±\d+\.?\d* %\)\n/, 'the summary names who missed the target');
});

t.test('precision: a size where everything converges says so, and stops early', async (t) => {
  const { out, bench } = await runSuite(config({ variants: ['walk'], precision: { halfWidthPercent: 2, budgetSec: 120, maxSamples: 1000 } }));
  t.same(bench.sampling?.map((entry) => entry.stop), ['converged', 'converged']);
  t.same(bench.integrity.map((entry) => entry.ok), [true, true]);
  t.match(out, /\n {2}size 16: converged after 10 rounds \(1\.1 s\)\n/);
});

t.test('precision: an agent that does not say how many rounds it ran fails the size', async (t) => {
  const { bench } = await runSuite(config({ precision: { halfWidthPercent: 2, budgetSec: 5, maxSamples: 1000 } }), { sayRounds: false });
  t.match(bench.errors.map((entry) => entry.message).join('\n'), /size 16: the agent did not say how many rounds adaptive sampling ran/);
  t.equal(bench.integrity[0]!.ok, false, 'and integrity sees the samples it did not expect');
  t.match(bench.integrity[0]!.problems.join('; '), /stock: 50 of 11 samples arrived/);
});

t.test('without precision: exactly samples rounds, no stop reasons, cells still record width and n', async (t) => {
  const { out, bench, requests } = await runSuite(config());
  t.notOk('precision' in requests[0]!, 'the request is as before');
  t.equal(bench.precision, undefined);
  t.equal(bench.sampling, undefined);
  t.same(bench.integrity.map((entry) => entry.ok), [true, true]);
  const walk = bench.cells.find((entry) => entry.variant === 'walk')!;
  t.equal(walk.samplesUsed, 10);
  t.equal(walk.precision, undefined);
  t.notMatch(out, /converged|budget ran out/);
  t.match(out, /n samples\n/, 'the header explains ±% and n without a precision clause');
});

t.test('the history ingests a run with extra rounds (n per cell as sampled; no migration needed)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kptrlab-precision-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const { events } = await runSuite(config({ precision: { halfWidthPercent: 2, budgetSec: 5, maxSamples: 1000 } }));
  const writer = new EventLogWriter(join(dir, 'run', 'events.ndjson'));
  for (const event of events) writer.append(event);
  writer.close();
  const db = openHistory(join(dir, 'history.db'));
  t.teardown(() => db.close());
  t.equal(ingestRun(db, join(dir, 'run')).inserted, true);
  const cells = cellsOf(db, 'r1');
  t.equal(cells.length, 6);
  for (const cell of cells) {
    t.equal(cell.n, 49, `${cell.variant}@${cell.size}: n is the rounds sampled`);
    t.equal(cell.samples, 10, 'samples stays the configured minimum');
    if (cell.perAccess) t.equal(cell.perAccess.length, 49, 'every measured round kept for significance tests');
  }
});
