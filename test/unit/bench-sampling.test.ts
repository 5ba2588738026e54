// Adaptive sampling's stop rule and the agent's round loop, fed series that converge, never converge and run out of time.
import t from 'tap';
import { seededRandom } from '../../harness/agent/bench-plan.js';
import { medianHalfWidthPercent, runRounds, samplingStop, type SamplingProgress } from '../../harness/agent/bench-sampling.js';
import type { SamplingPrecision } from '../../harness/agent/protocol.js';
import { medianCiRanks, summarize } from '../../harness/results/stats.js';
import { ciHalfWidthPercent } from '../../harness/suites/bench-cells.js';

const precision: SamplingPrecision = { halfWidthPercent: 2, budgetSec: 120, maxSamples: 1000 };

/** Lognormal values around `median` (sigma in log space), seeded. */
function lognormal(median: number, sigma: number, seed: number): () => number {
  const random = seededRandom(seed);
  return () => median * Math.exp(sigma * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()));
}

/** The agent's loop over simulated rounds: each takes `roundMs` on a fake clock and adds one value per variant. */
function simulate(series: Array<() => number>, plan: { warmup: number; samples: number; precision?: SamplingPrecision }, roundMs = 100) {
  let now = 0;
  const perAccess = series.map(() => [] as number[]);
  const runs: number[] = [];
  const result = runRounds(plan, (run) => {
    runs.push(run);
    now += roundMs;
    if (run >= plan.warmup) series.forEach((next, index) => perAccess[index]!.push(next()));
  }, perAccess, () => now);
  return { ...result, runs, perAccess };
}

const progress = (perAccess: number[][], elapsedMs = 0): SamplingProgress => ({ perAccess, measuredRounds: perAccess[0]?.length ?? 0, roundsRun: perAccess[0]?.length ?? 0, elapsedMs });

// The textbook definition, one binomial CDF per candidate k: slow, but obviously right.
function referenceRanks(n: number): { low: number; high: number } {
  const cdf = (k: number) => {
    let total = 0;
    let logCoefficient = 0;
    for (let i = 0; i <= k; i++) {
      if (i > 0) logCoefficient += Math.log(n - i + 1) - Math.log(i);
      total += Math.exp(logCoefficient - n * Math.LN2);
    }
    return total;
  };
  let k = 0;
  while (k + 1 <= n && cdf(k) <= 0.025) k++;
  const low = Math.max(0, k - 1);
  return { low, high: Math.min(n - 1, n - 1 - low) };
}

t.test('the agent judges precision with the summaries\' median CI, whose one-pass ranks match the textbook ones', async (t) => {
  const sizes = [...Array.from({ length: 300 }, (_, i) => i + 1), 499, 500, 777, 1000, 1001, 2000, 10_000];
  t.same(sizes.map(medianCiRanks), sizes.map(referenceRanks), 'same ranks for n = 1..300 and up to 10,000');
  const next = lognormal(100, 0.2, 7);
  for (const n of [10, 11, 20, 37, 200, 999]) {
    const values = Array.from({ length: n }, next);
    t.equal(medianHalfWidthPercent(values), ciHalfWidthPercent(summarize(values)), `half-width at n=${n}`);
  }
  t.equal(medianHalfWidthPercent([]), Infinity, 'no values: no precision');
  t.equal(medianHalfWidthPercent([-1, 0, 0, 0, 1]), Infinity, 'a zero median has no relative width');
  t.equal(ciHalfWidthPercent(summarize([-1, 0, 0, 0, 1])), null, 'the cell records it as null');
});

t.test('stop rule: converged only when every variant is within target', async (t) => {
  const tight = Array.from({ length: 20 }, (_, i) => 100 + (i % 3));
  const loose = Array.from({ length: 20 }, (_, i) => 100 + (i % 2 ? 30 : -30));
  t.equal(samplingStop(progress([tight]), precision), 'converged');
  t.equal(samplingStop(progress([tight, loose]), precision), undefined, 'one noisy variant keeps sampling');
  t.equal(samplingStop(progress([tight, loose], 119_000), precision), 'budget', 'unless the next round would overrun the budget');
  t.equal(samplingStop(progress([tight, loose], 1000), { ...precision, maxSamples: 20 }), 'max-samples');
  t.equal(samplingStop(progress([tight], 500_000), { ...precision, maxSamples: 20 }), 'converged', 'converged wins over budget and cap');
  t.equal(samplingStop(progress([]), precision), 'converged', 'no measured variant: nothing to wait for');
  t.equal(samplingStop(progress([Array(30).fill(0)]), precision), undefined, 'a zero median never converges');
});

t.test('a noisy series that never converges stops on the budget, inside it', async (t) => {
  const result = simulate([lognormal(100, 1, 3), lognormal(50, 0.05, 4)], { warmup: 2, samples: 20, precision: { ...precision, budgetSec: 5 } });
  t.equal(result.stop, 'budget');
  t.ok(result.elapsedMs <= 5000, `elapsed ${result.elapsedMs} ms within the 5 s budget`);
  t.equal(result.measuredRounds, 48, '50 rounds of 100 ms, warm-up included');
  t.ok(medianHalfWidthPercent(result.perAccess[0]!) > 2, 'and it had not converged');
  t.same(result.runs, Array.from({ length: 50 }, (_, run) => run), 'rounds numbered on without a gap (their keys continue the plan)');
});

t.test('a noisy series that never converges stops at maxSamples when time is plenty', async (t) => {
  const result = simulate([lognormal(100, 1, 5)], { warmup: 1, samples: 10, precision: { ...precision, budgetSec: 86_400, maxSamples: 200 } });
  t.equal(result.stop, 'max-samples');
  t.equal(result.measuredRounds, 200);
  t.equal(result.perAccess[0]!.length, 200);
});

t.test('a series that converges stops at the first round within target', async (t) => {
  const result = simulate([lognormal(100, 0.08, 9), lognormal(30, 0.05, 10)], { warmup: 2, samples: 10, precision });
  t.equal(result.stop, 'converged');
  t.ok(result.measuredRounds > 10, `needed extra rounds (${result.measuredRounds})`);
  t.ok(result.measuredRounds < 1000, 'and stopped well before the cap');
  const widths = (rounds: number) => result.perAccess.map((values) => medianHalfWidthPercent(values.slice(0, rounds)));
  t.ok(widths(result.measuredRounds).every((width) => width <= 2), `within ±2 % at ${result.measuredRounds}`);
  t.ok(widths(result.measuredRounds - 1).some((width) => width > 2), 'not one round earlier');
});

t.test('the fixed samples always run, even past the budget; without precision nothing is added', async (t) => {
  const fixedOnly = simulate([lognormal(100, 1, 11)], { warmup: 2, samples: 20 });
  t.same([fixedOnly.measuredRounds, fixedOnly.stop], [20, undefined]);
  const overBudget = simulate([lognormal(100, 1, 11)], { warmup: 2, samples: 20, precision: { ...precision, budgetSec: 1 } });
  t.same([overBudget.measuredRounds, overBudget.stop], [20, 'budget']);
  const capBelowSamples = simulate([lognormal(100, 1, 11)], { warmup: 0, samples: 30, precision: { ...precision, maxSamples: 10 } });
  t.same([capBelowSamples.measuredRounds, capBelowSamples.stop], [30, 'max-samples'], 'a --samples above the cap: no extra rounds');
});
