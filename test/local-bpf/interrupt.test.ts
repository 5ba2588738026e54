// Ctrl-C during a benchmark: exit 130, the results file says interrupted and keeps what finished, no agent left.
import t from 'tap';
import { execa } from 'execa';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResults } from '../../harness/results/model.js';
import { bpfSkipReason } from '../helpers/bpf-env.js';
import { CLI } from '../helpers/cli.js';
import { scratchDir } from '../helpers/scratch.js';

const skip = bpfSkipReason();
if (skip) t.comment(`skipping local BPF tests: ${skip}`);

function agentsOf(parent: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        return cmdline.includes('kptrlab-agent.mjs') && stat.split(') ')[1]?.[0] !== 'Z' && cmdline.includes(String(parent)) === false;
      } catch {
        return false;
      }
    })
    .map(Number);
}

t.test('SIGINT mid-benchmark', { skip }, async (t) => {
  const outputDir = scratchDir('kptrlab-int-');
  const before = new Set(agentsOf(0));
  const child = execa(process.execPath, [CLI, 'bench', '--config', 'config/local.yaml', '--sizes', '65536,65537,65538', '--samples', '200', '--output', outputDir], {
    reject: false,
    env: { KPTRLAB_NO_UI: '1' },
  });
  let seen = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bench stage never started: ${seen}`)), 120_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (/integrity ok/.test(seen)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  child.kill('SIGINT');
  const result = await child;
  t.equal(result.exitCode, 130, 'exit code 130');
  const [run] = readdirSync(outputDir);
  const results = JSON.parse(readFileSync(join(outputDir, run!, 'results.json'), 'utf8')) as RunResults;
  t.equal(results.run.status, 'interrupted');
  t.ok(results.run.finishedAt, 'finish time recorded');
  const bench = results.targets[0]?.bench;
  t.ok(bench && bench.integrity.length >= 1, 'the finished size is kept');
  t.ok(bench && bench.cells.some((cell) => cell.size === 65536 && cell.variant === 'stock'), 'with its cells');
  await new Promise((resolve) => setTimeout(resolve, 300));
  const leftover = agentsOf(0).filter((pid) => !before.has(pid));
  t.same(leftover, [], 'no agent process left behind');
});
