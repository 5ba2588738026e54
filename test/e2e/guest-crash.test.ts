// The guest's QEMU killed mid-benchmark: a failed test of that kernel (exit 1, not 69) naming the stage, with the
// console tail, and a results.json — rebuilt from the event log — that holds every sample finished before the kill.
import { execa } from 'execa';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { readEventLog } from '../../harness/results/event-log.js';
import type { RunResults } from '../../harness/results/model.js';
import { reduceEvents } from '../../harness/results/reduce.js';
import { CLI } from '../helpers/cli.js';

function qemuOf(parent: number): number | undefined {
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      if (Number(stat[1]) === parent && readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('qemu-system')) return Number(pid);
    } catch {
      // Gone while we looked.
    }
  }
  return undefined;
}

if (process.env.KPTRLAB_E2E !== '1') {
  t.plan(0, 'set KPTRLAB_E2E=1 to boot the base kernel and kill its QEMU mid-benchmark (about 2 minutes with a cached kernel)');
} else {
  t.test('QEMU killed during the benchmark', async (t) => {
    const outputDir = mkdtempSync(join(tmpdir(), 'kptrlab-guest-crash-'));
    const child = execa(process.execPath, [CLI, 'bench', '--config', 'config/ab.yaml', '--target', 'base', '--sizes', '16', '--samples', '100000', '--output', outputDir], { reject: false, env: { KPTRLAB_NO_UI: '1' } });
    const logPath = () => join(outputDir, readdirSync(outputDir)[0] ?? '-', 'events.ndjson');
    const samples = () => {
      try {
        return readFileSync(logPath(), 'utf8').split('\n').filter((line) => line.includes('"bench-sample"')).length;
      } catch {
        return 0;
      }
    };
    const deadline = Date.now() + 600_000;
    while (samples() < 12 && Date.now() < deadline && child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 200));
    const qemu = qemuOf(child.pid!);
    t.ok(qemu, `QEMU is running the benchmark (${samples()} samples so far)`);
    process.kill(qemu!, 'SIGKILL');
    const result = await child;
    t.equal(result.exitCode, 1, `a failed test of the kernel, not infrastructure (stdout tail: ${result.stdout.slice(-600)})`);
    const results = JSON.parse(readFileSync(join(outputDir, readdirSync(outputDir)[0]!, 'results.json'), 'utf8')) as RunResults;
    const target = results.targets[0]!;
    const failure = target.errors.find((error) => error.stage === 'bench');
    t.ok(failure && ['AGENT_CRASHED', 'TARGET_DIED'].includes(failure.code ?? ''), `the failure names the stage: ${JSON.stringify(failure).slice(0, 300)}`);
    t.ok((failure?.consoleTail ?? '').length > 0, 'the console tail is recorded');
    const log = readEventLog(logPath());
    const logged = log.events.filter((event) => event.type === 'bench-sample').length;
    t.ok(logged >= 12, `${logged} samples logged before the kill`);
    t.equal(target.bench?.rawSamples.length, logged, 'results.json holds every finished sample');
    t.same(reduceEvents(log.events), results, 'results.json equals the reducer over the log');
    t.equal(results.run.status, 'failed');
  });
}
