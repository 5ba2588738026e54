// The verifier matrix through the real CLI on this machine's kernel (6.18, no series): level base.
import t from 'tap';
import { annotatedCaseCount } from '../helpers/cases.js';
import { bpfSkipReason } from '../helpers/bpf-env.js';
import { runCli } from '../helpers/cli.js';

const LOCK = /function calls are not allowed while holding a lock/;
const skip = bpfSkipReason();
if (skip) t.comment(`skipping local BPF tests: ${skip}`);

t.test('kptrlab verify on the local kernel', { skip }, async (t) => {
  const run = await runCli(['verify', '--config', 'config/quick.yaml', '--reporter', 'tap']);
  t.equal(run.exitCode, 0, `exit code (stderr: ${run.stderr.slice(-400)})`);
  t.match(run.stdout, /^TAP version 14/m);
  t.notMatch(run.stdout, /^not ok/m, 'no failing test point');
  const target = run.results?.targets[0];
  t.ok(target, 'results.json written');
  if (!target) return;
  t.equal(run.results!.run.status, 'passed');
  t.equal(target.capability?.level, 'base', 'this kernel has the walk kfuncs and none of the series');
  t.match(target.capability?.facts.probes.probe_xchg_non_own?.message, LOCK);
  t.equal(target.cases.length, annotatedCaseCount(), 'every annotated case ran, once');
  const byId = new Map(target.cases.map((entry) => [entry.id, entry]));
  for (const id of ['fast_plain', 'fast_refcounted', 'fast_first', 'baseline_xchg_owning_locked']) {
    t.match(byId.get(id), { actual: 'reject', status: 'pass' }, `${id} rejected`);
    t.match(byId.get(id)?.excerpt, LOCK, `${id}: rejected for holding the lock`);
  }
  for (const id of ['stock_remove_unlock_xchg', 'walk_plain']) {
    t.match(byId.get(id), { actual: 'accept', status: 'pass' }, `${id} accepted`);
    t.ok((byId.get(id)?.stats?.insnsProcessed ?? 0) > 0, `${id} has verifier stats`);
  }
  const unsafe = target.cases.filter((entry) => entry.expected === 'reject' && !/fast|baseline|readd_then_xchg_locked/.test(entry.id));
  t.ok(unsafe.length >= 8, `${unsafe.length} unsafe cases`);
  for (const entry of unsafe) t.match(entry, { actual: 'reject', status: 'pass' }, `${entry.id} rejected`);
});
