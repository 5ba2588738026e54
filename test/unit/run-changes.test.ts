// Change points named by run: a step in the third of three runs is found there (per-access samples, rounds
// normalised), identical runs give none, and long histories are cut on the runs' medians.
import t from 'tap';
import { seededRandom } from '../../harness/agent/bench-plan.js';
import type { SeriesPoint } from '../../harness/history/queries.js';
import { runChanges } from '../../harness/history/run-changes.js';

// Round r reads the same keys in every run: its cost is the same shape in each (up to ±10 %), times the run's level.
const shape = Array.from({ length: 20 }, (_, round) => 280 * (1 + 0.1 * Math.sin(round * 1.7)));
function point(index: number, level: number, jitter = 0, seed = index): SeriesPoint {
  const random = seededRandom(seed + 1);
  const perAccess = shape.map((value) => value * level * (1 + jitter * (random() - 0.5)));
  return { runId: `run${index}`, startedAt: `2026-12-0${index + 1}`, status: 'passed', median: [...perAccess].sort((a, b) => a - b)[10]!, ciLow: 0, ciHigh: 0, n: 20, perAccess, kernelRelease: '7.3.4', kernelCacheKey: 'k', objectHash: 'o', kptrlabCommit: 'c', configHash: 'h' };
}

t.test('three runs: +5 % in the third is a change point at the third run', async (t) => {
  const changes = runChanges([point(0, 1, 0.01), point(1, 1, 0.01), point(2, 1.05, 0.01)], seededRandom(1));
  t.equal(changes.length, 1, JSON.stringify(changes));
  t.match(changes[0], { runId: 'run2', runIndex: 2, method: 'per-access samples' });
  t.ok(changes[0]!.relativeChange > 0.03 && changes[0]!.relativeChange < 0.07, `${changes[0]!.relativeChange}`);
});

t.test('no change: identical or jittered runs give no change point', async (t) => {
  t.same(runChanges([point(0, 1), point(1, 1), point(2, 1)], seededRandom(1)), []);
  t.same(runChanges([point(0, 1, 0.02), point(1, 1, 0.02), point(2, 1, 0.02)], seededRandom(1)), []);
  t.same(runChanges([point(0, 1)], seededRandom(1)), [], 'one run: nothing to compare');
});

t.test('long histories: an old step found on the run medians, a step in the newest run on its samples, 0.5 % ignored', async (t) => {
  const series = Array.from({ length: 24 }, (_, index) => point(index, index >= 6 ? 1.08 : 1, 0.01));
  const changes = runChanges(series, seededRandom(1));
  t.equal(changes.length, 1, JSON.stringify(changes));
  t.match(changes[0], { runId: 'run6', method: 'run medians' });
  const newest = Array.from({ length: 24 }, (_, index) => point(index, index === 23 ? 1.05 : 1, 0.01));
  t.match(runChanges(newest, seededRandom(1)), [{ runId: 'run23', runIndex: 23, method: 'per-access samples' }]);
  const tiny = Array.from({ length: 24 }, (_, index) => point(index, index >= 7 ? 1.005 : 1));
  t.same(runChanges(tiny, seededRandom(1)), [], 'below the 1 % minimum change');
});
