// The event log through the real CLI on this kernel: a report re-rendered from the log alone is the run's own, a
// kernel that is not the declared one fails, and an agent killed mid-benchmark leaves every finished sample.
import { execa } from 'execa';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { readEventLog } from '../../harness/results/event-log.js';
import type { RunResults } from '../../harness/results/model.js';
import { reduceEvents } from '../../harness/results/reduce.js';
import { projectPath } from '../../harness/util/paths.js';
import { bpfSkipReason } from '../helpers/bpf-env.js';
import { CLI, runCli } from '../helpers/cli.js';
import { scratchDir } from '../helpers/scratch.js';

const skip = bpfSkipReason();
if (skip) t.comment(`skipping local BPF tests: ${skip}`);

const runDirOf = (outputDir: string) => join(outputDir, readdirSync(outputDir)[0]!);
const readResults = (runDir: string) => JSON.parse(readFileSync(join(runDir, 'results.json'), 'utf8')) as RunResults;

t.test("kptrlab report reproduces the run's TAP and results from the event log alone", { skip }, async (t) => {
  const run = await runCli(['run', '--config', 'config/quick.yaml', '--sizes', '16', '--reporter', 'tap']);
  t.equal(run.exitCode, 0, run.stderr.slice(-400));
  const runDir = runDirOf(run.outputDir);
  const tap = await execa(process.execPath, [CLI, 'report', runDir, '--reporter', 'tap'], { reject: false });
  t.equal(tap.exitCode, 0, tap.stderr);
  t.equal(tap.stdout, run.stdout.trimEnd(), 'the same TAP, point for point');
  const json = await execa(process.execPath, [CLI, 'report', runDir, '--reporter', 'json'], { reject: false });
  const results = readResults(runDir);
  t.same(JSON.parse(json.stdout), results, 'results.json is the reducer over the log');
  // Provenance on every result of the target.
  const target = results.targets[0]!;
  t.match(results.run, { configHash: /^[0-9a-f]{64}$/, kptrlab: { version: /\d+\.\d+\.\d+/, commit: /^([0-9a-f]{40}(-dirty)?|unknown)$/ }, host: { kernelRelease: /\S/ } });
  t.match(target.provenance, { kernel: { source: /^running kernel/ }, series: { probed: 'base' }, libbpf: '1.8.0', accelerator: 'native', timeUnit: 'ns', machine: { hostname: /\S/, cpu: /\S/ } });
  const objects = target.provenance!.objects;
  t.match(objects['programs/bench/rbtree_bench.bpf.c'], /^[0-9a-f]{64}$/, 'the bench object hash');
  t.ok(target.cases.length > 0 && target.cases.every((entry) => entry.objectHash === objects[entry.source]), 'every case names the object it was loaded from');
  t.equal(results.targets[0]!.bench!.ratios.every((ratio) => ratio.unit === 'ns'), true, 'ratios carry their unit');
  t.equal(readEventLog(join(runDir, 'events.ndjson')).truncated, false);
  const missing = await execa(process.execPath, [CLI, 'report', join(run.outputDir, 'nope')], { reject: false });
  t.equal(missing.exitCode, 2);
  t.match(missing.stderr, /no event log at \S*nope \[USAGE\]\n\s+fix: Pass a run folder/);
});

t.test('a config that declares the series on a kernel without it exits 1 naming the mismatch', { skip }, async (t) => {
  const dir = scratchDir('kptrlab-series-');
  const config = join(dir, 'full-on-base.yaml');
  writeFileSync(config, `${readFileSync(projectPath('config', 'quick.yaml'), 'utf8')}targets:\n  - {name: local, kind: local, series: full}\n`);
  const run = await runCli(['verify', '--config', config]);
  t.equal(run.exitCode, 1, 'a test failure, not infrastructure');
  t.match(run.stdout, /ERROR \[local\] probe: the config declares series: full \(level full\) but the probes find level base.*\[SERIES_MISMATCH\]/);
  t.match(run.results?.targets[0]?.errors, [{ stage: 'probe', code: 'SERIES_MISMATCH' }]);
  t.equal(run.results?.targets[0]?.provenance?.series.declared, 'full');
});

function agentOf(parent: number): number | undefined {
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmdline.includes('kptrlab-agent.mjs') && Number(stat[1]) === parent && stat[0] !== 'Z') return Number(pid);
    } catch {
      // The process ended while we looked.
    }
  }
  return undefined;
}

t.test('an agent killed mid-benchmark: exit 1, the stage named, every finished sample kept and rebuilt from the log', { skip }, async (t) => {
  const outputDir = scratchDir('kptrlab-crash-');
  // Far more samples than it will get to: the kill lands mid-size, whatever the machine's speed.
  const child = execa(process.execPath, [CLI, 'bench', '--config', 'config/quick.yaml', '--sizes', '16', '--samples', '100000', '--output', outputDir], { reject: false, env: { KPTRLAB_NO_UI: '1' } });
  const samplesSoFar = () => {
    try {
      return readFileSync(join(runDirOf(outputDir), 'events.ndjson'), 'utf8').split('\n').filter((line) => line.includes('"bench-sample"')).length;
    } catch {
      return 0;
    }
  };
  const deadline = Date.now() + 120_000;
  while (samplesSoFar() < 30 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  const agent = agentOf(child.pid!);
  t.ok(agent, 'the agent is running the benchmark');
  process.kill(agent!, 'SIGKILL');
  const result = await child;
  t.equal(result.exitCode, 1, `a failed test, not infrastructure (stderr: ${result.stderr.slice(-300)})`);
  const runDir = runDirOf(outputDir);
  const results = readResults(runDir);
  const target = results.targets[0]!;
  t.match(target.errors, [{ stage: 'bench', code: 'AGENT_CRASHED', message: /the target stopped answering during bench/ }]);
  t.ok(target.provenance?.environment?.before, 'the environment was read before the suites');
  t.same(Object.keys(target.provenance!.environment!), ['before'], 'a target that died is not asked again, and that is no warning');
  const logged = readEventLog(join(runDir, 'events.ndjson')).events.filter((event) => event.type === 'bench-sample').length;
  t.ok(logged >= 30, `${logged} samples in the log`);
  t.equal(target.bench!.rawSamples.length, logged, 'every logged sample is in results.json');
  t.same(reduceEvents(readEventLog(join(runDir, 'events.ndjson')).events), results, 'results.json is rebuilt from the log');
  t.equal(results.run.status, 'failed');
  t.match(result.stdout, /ERROR \[local\] bench: the target stopped answering during bench.*\[AGENT_CRASHED\]/s);
});
