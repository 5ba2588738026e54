// Nightly under TCG icount on the patched kernel: two runs of the same kernel and program are "no change"; a third
// whose walk variant costs about +5 % is flagged by compare and nightly (exit 1) and found by history as a change
// point at that run. Deterministic (icount), so the check is exact, not statistical.
import { execa } from 'execa';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { parse, stringify } from 'yaml';
import { paddedBenchProgram } from '../../harness/suites/padded-program.js';
import { projectPath } from '../../harness/util/paths.js';
import { CLI } from '../helpers/cli.js';
import { scratchDir } from '../helpers/scratch.js';

if (process.env.KPTRLAB_E2E !== '1') {
  t.plan(0, 'set KPTRLAB_E2E=1 to run three nightlies of the patched kernel under TCG (about 4 minutes with a cached kernel)');
} else {
  t.test('nightly: no change twice, then +5 % on one variant', async (t) => {
    // Removed when the test ends: three nightlies' run folders and their history.
    const dir = scratchDir('kptrlab-nightly-');
    const db = join(dir, 'history.db');
    const output = join(dir, 'results');
    const config = join(dir, 'nightly.yaml');
    const base = parse(readFileSync(projectPath('config', 'ab.yaml'), 'utf8')) as Record<string, unknown>;
    // Six extra multiply-adds per walk access: about +5 % of the walk's cost at 4096 nodes under icount.
    const writeConfig = (program?: string) => {
      const bench = { sizes: [4096], samples: 20, warmup: 1, lookups: 200, repeat: 2, variants: ['walk', 'stock'], ...(program ? { program } : {}) };
      writeFileSync(config, stringify({ ...base, name: 'nightly-test', targets: [{ name: 'patched', kind: 'qemu', arch: 'x86_64', kernel: { variant: 'patched' }, series: 'full' }], verify: { enabled: false }, bench }));
    };
    const nightly = () => execa(process.execPath, [CLI, 'nightly', '--config', config, '--db', db, '--output', output], { reject: false, env: { KPTRLAB_NO_UI: '1' } });
    writeConfig();
    const first = await nightly();
    t.equal(first.exitCode, 0, `first nightly: ${first.stdout.slice(-500)}`);
    t.match(first.stdout, /the first nightly of this config/);
    const second = await nightly();
    t.equal(second.exitCode, 0, `same kernel, same program: ${second.stdout.slice(-800)}`);
    t.match(second.stdout, /patched\s+4096\s+walk\s+icount-ns.*no change/);
    t.match(second.stdout, /no change point starts at this run/);
    t.match(second.stdout, /no new regression/);
    writeConfig(paddedBenchProgram(dir, 6));
    const third = await nightly();
    t.equal(third.exitCode, 1, `+5 % on walk: ${third.stdout.slice(-1200)}`);
    t.match(third.stdout, /NEW REGRESSIONS:\n  patched bench walk size 4096: \d+\.\d % slower/, 'compare against the previous nightly flags it');
    t.notMatch(third.stdout, /patched bench stock size 4096: .* slower/, 'the untouched variant is not flagged');
    t.match(third.stdout, /change points starting at this run:\n  patched walk size 4096: \+\d+\.\d %/);
    const runs = readdirSync(output).sort();
    t.equal(runs.length, 3);
    const compare = await execa(process.execPath, [CLI, 'compare', join(output, runs[0]!), join(output, runs[2]!)], { reject: false });
    t.equal(compare.exitCode, 1, 'compare flags it too');
    const series = await execa(process.execPath, [CLI, 'history', 'series', '--db', db, '--target', 'patched', '--size', '4096', '--variant', 'walk'], { reject: false });
    t.equal(series.exitCode, 0, series.stderr);
    const marked = series.stdout.split('\n').filter((line) => line.includes('← change'));
    t.equal(marked.length, 1, series.stdout);
    t.ok(marked[0]!.startsWith(runs[2]!), 'the change point is the third run');
  });
}
