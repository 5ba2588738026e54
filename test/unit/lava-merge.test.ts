// A LAVA job run for real on this host: the generated test definition's shell steps executed with stand-ins for
// LAVA's lava-test-case/lava-test-set, its output wrapped as LAVA's log.yaml, merged by the CLI; the verdicts equal
// a direct run's. Cut-off logs, results that disagree with the log and jobs of another config are refused (exit 2).
import t from 'tap';
import { execa } from 'execa';
import { chmodSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { RunResults } from '../../harness/results/model.js';
import { runCli } from '../helpers/cli.js';
import { generateForTest, writeLavaConfig } from '../helpers/lava.js';
import { scratchDir } from '../helpers/scratch.js';

const dir = scratchDir('kptrlab-lava-merge-');
const TARGET = "box $(touch /tmp/kptrlab-pwned) 'one'";
// Odd words where the config puts them into the shell: Node.js's path and the folders the job uses.
const nodeDir = join(dir, "bin it's");
mkdirSync(nodeDir);
symlinkSync(process.execPath, join(nodeDir, 'node'));
const outputDir = join(dir, "out-it's");
const workDir = join(dir, "work $HOME 'w'");

type Call = { set?: string; name: string; result: string; measurement?: string; units?: string };

// Stand-ins for LAVA's helpers (shell scripts on the test shell's PATH in a real job): they only record their arguments.
function lavaStubs(bin: string, record: string): void {
  mkdirSync(bin, { recursive: true });
  for (const name of ['lava-test-case', 'lava-test-set']) {
    writeFileSync(join(bin, name), `#!/bin/sh\nprintf '%s' ${name} >> "$LAVA_CALLS"\nfor word in "$@"; do printf '\\t%s' "$word" >> "$LAVA_CALLS"; done\necho >> "$LAVA_CALLS"\n`);
    chmodSync(join(bin, name), 0o755);
  }
  writeFileSync(record, '');
}

function parseCalls(text: string): Call[] {
  let set: string | undefined;
  const calls: Call[] = [];
  for (const line of text.split('\n').filter(Boolean)) {
    const [tool, ...words] = line.split('\t');
    if (tool === 'lava-test-set') set = words[0] === 'start' ? words[1] : undefined;
    else calls.push({ set, name: words[0]!, result: words[2]!, ...(words[3] === '--measurement' ? { measurement: words[4]!, units: words[6]! } : {}) });
  }
  return calls;
}

// LAVA's job log as `lavacli jobs logs --raw` prints it: one flow map per record, every value double-quoted; what the
// test shell prints is `lvl: target`.
function lavaLog(stdout: string): string {
  const at = (index: number) => new Date(Date.UTC(2026, 11, 4, 18, 0, index)).toISOString().replace('Z', '');
  const records = [{ dt: at(0), lvl: 'info', msg: 'lava-dispatcher, installed at version: 2023.01' }, ...stdout.split('\n').filter(Boolean).map((line, index) => ({ dt: at(index + 1), lvl: 'target', msg: line }))];
  return records.map((record) => `- {"dt": ${JSON.stringify(record.dt)}, "lvl": ${JSON.stringify(record.lvl)}, "msg": ${JSON.stringify(record.msg)}}\n`).join('');
}

// A serial console that wraps a long line: the first verify event split in two records.
function wrapFirstCase(text: string): string {
  const records = parse(text) as Array<{ dt: string; lvl: string; msg: string }>;
  const at = records.findIndex((record) => record.msg.startsWith('KPTRLAB-EVENT verify {"type":"case"'));
  const line = records[at]!.msg;
  records.splice(at, 1, { ...records[at]!, msg: line.slice(0, 120) }, { ...records[at]!, msg: line.slice(120) });
  return stringify(records, { lineWidth: 0 });
}

function resultsOf(output: string): RunResults {
  const [run] = readdirSync(output);
  return JSON.parse(readFileSync(join(output, run!, 'results.json'), 'utf8')) as RunResults;
}

const verdicts = (results: RunResults) => results.targets[0]!.cases.map((entry) => ({ id: entry.id, source: entry.source, level: entry.level, expected: entry.expected, actual: entry.actual, status: entry.status, objectHash: entry.objectHash, insns: entry.stats?.insnsProcessed }));

t.test('the job\'s shell runs here, LAVA gets a test case per verdict and cell, and the merge equals a direct run', async (t) => {
  const config = writeLavaConfig(dir, { box: `arch: x86_64, node: "${join(nodeDir, 'node')}", execTimeoutSec: 600, lava: {deviceType: x86-box, boot: kexec}` }, [`{name: "${TARGET}", kind: machine, machine: box, kernel: {variant: patched}, series: absent}`]);
  const [written] = await generateForTest(config, outputDir, { artifactsUrl: `file://${outputDir}/publish`, workDir });
  const job = parse(readFileSync(written!.job, 'utf8')) as { actions: Array<{ test?: { definitions: Array<{ name: string; repository: { run: { steps: string[] } } }> } }> };
  const definition = job.actions.flatMap((action) => action.test?.definitions ?? []).find((entry) => entry.name === 'kptrlab')!;
  const script = join(dir, 'run.sh');
  writeFileSync(script, `${definition.repository.run.steps.join('\n')}\n`);
  const bin = join(dir, 'lava-bin');
  const calls = join(dir, 'calls.tsv');
  lavaStubs(bin, calls);
  const ran = await execa('sh', [script], { reject: false, env: { PATH: `${bin}:${process.env.PATH}`, LAVA_CALLS: calls }, timeout: 15 * 60_000 });
  t.equal(ran.exitCode, 0, `the test definition's steps ran: ${String(ran.stderr).slice(-2000)}`);
  t.notOk(readdirSync('/tmp').includes('kptrlab-pwned'), 'no configured word ran as a command');
  const jobDir = join(dir, 'job-1');
  mkdirSync(jobDir);
  writeFileSync(join(jobDir, 'log.yaml'), lavaLog(String(ran.stdout)));

  const merged = join(dir, 'merged');
  const merge = await runCli(['merge', jobDir, '--output', merged]);
  t.ok(merge.exitCode === 0 || merge.exitCode === 1, `merged (exit ${merge.exitCode}): ${merge.stderr}`);
  const results = resultsOf(merged);
  t.same(results.targets.map((entry) => entry.target.name), [TARGET], 'the target by its config name');
  t.match(results.run, { configHash: /^[0-9a-f]{64}$/, mergedFrom: [`lava:${jobDir}`], exitCode: merge.exitCode });

  // The same config's probes and cases on this host's kernel, run directly.
  const local = join(dir, 'local.yaml');
  writeFileSync(local, readFileSync(config, 'utf8').replace(/^targets:\n.*$/m, 'targets:\n  - {name: local, kind: local, series: absent}').replace(/^bench: .*$/m, 'bench: {enabled: false}'));
  const direct = await runCli(['verify', '--config', local]);
  t.ok(direct.results, `the direct run wrote results: ${direct.stderr}`);
  const target = results.targets[0]!;
  t.equal(target.capability?.level, direct.results!.targets[0]!.capability?.level, 'the same capability level');
  t.ok(target.cases.length > 10, `${target.cases.length} cases`);
  t.same(verdicts(results), verdicts(direct.results!), 'every case: the same verdict, source, object and instruction count');
  t.equal(target.libbpf, direct.results!.targets[0]!.libbpf, 'the libbpf of the binding');
  t.equal(target.provenance?.environment?.before?.cpu.model, direct.results!.targets[0]!.provenance?.environment?.before?.cpu.model, 'the machine\'s environment');
  t.same(target.bench?.cells.map((cell) => `${cell.variant}-${cell.size}`).sort(), ['empty-16', 'stock-16', 'walk-16'], 'benchmark cells');
  t.ok(target.bench?.integrity.every((entry) => entry.ok), 'integrity held');

  // What LAVA was told, case by case, is what the merged run says.
  const told = parseCalls(readFileSync(calls, 'utf8'));
  t.same(told.filter((call) => call.set === 'verify').map((call) => [call.name, call.result]), target.cases.map((entry) => [entry.id, entry.status === 'pass' ? 'pass' : entry.status === 'skip' ? 'skip' : 'fail']));
  const cells = told.filter((call) => call.set === 'bench');
  t.same(cells.map((call) => call.name).sort(), ['empty-16', 'stock-16', 'walk-16']);
  t.ok(cells.every((call) => Number(call.measurement) > 0 && /^ns\/(access|lookup)$/.test(call.units ?? '')), 'each cell with its median and unit');

  t.test('a nightly on the LAVA lab: nightly --merge takes the job folders and compares as a nightly', async (t) => {
    const db = join(dir, 'nightly-history.db');
    const first = await runCli(['nightly', '--config', config, '--db', db, '--merge', jobDir, '--output', join(dir, 'nightly-1')]);
    t.ok(first.exitCode === 0 || first.exitCode === 1, `${first.exitCode}: ${first.stderr}`);
    t.match(first.stdout, /merged 1 LAVA job\(s\)[\s\S]*the first nightly of this config/);
    const second = await runCli(['nightly', '--config', config, '--db', db, '--merge', jobDir, '--output', join(dir, 'nightly-2')]);
    t.equal(second.exitCode, 0, second.stderr);
    t.match(second.stdout, new RegExp(`compared with the previous nightly ${readdirSync(join(dir, 'nightly-1'))[0]}[\\s\\S]*no new regression`), 'the same job again: compared with the first, nothing new');
  });

  t.test('LAVA\'s results YAML beside the log: accepted when it agrees, refused when it does not', async (t) => {
    const entries = told.map((call) => ({ suite: '1_kptrlab', name: call.name, result: call.result, measurement: call.measurement ?? null, unit: call.units ?? '', metadata: { set: call.set } }));
    writeFileSync(join(jobDir, 'results.yaml'), stringify([{ suite: 'lava', name: 'job', result: 'pass' }, ...entries]));
    const agreed = await runCli(['merge', jobDir, '--output', join(dir, 'merged-results')]);
    t.equal(agreed.exitCode, merge.exitCode, agreed.stderr);
    const flipped = entries.map((entry, index) => (index === entries.findIndex((candidate) => candidate.metadata.set === 'verify') ? { ...entry, result: entry.result === 'pass' ? 'fail' : 'pass' } : entry));
    const other = join(dir, 'job-flipped');
    mkdirSync(other);
    writeFileSync(join(other, 'log.yaml'), readFileSync(join(jobDir, 'log.yaml')));
    writeFileSync(join(other, 'results.yaml'), stringify(flipped));
    const refused = await runCli(['merge', other, '--output', join(dir, 'merged-flipped')]);
    t.equal(refused.exitCode, 2);
    t.match(refused.stderr, /results\.yaml: says \S+ (pass|fail), the job log judges it (pass|fail)/);
    const alone = join(dir, 'results-only.yaml');
    writeFileSync(alone, stringify(entries));
    const onlyResults = await runCli(['merge', alone, '--output', join(dir, 'merged-alone')]);
    t.equal(onlyResults.exitCode, 2);
    t.match(onlyResults.stderr, /is LAVA results, which hold verdicts but not the events/);
  });

  t.test('a cut-off log, a log that is not LAVA\'s and a job of another config are refused with the fix', async (t) => {
    const text = readFileSync(join(jobDir, 'log.yaml'), 'utf8');
    const cases: Array<[string, string, RegExp]> = [
      ['cut-end', text.slice(0, text.lastIndexOf('- {')), /ends before KPTRLAB-END and before LAVA's job result: the file is cut off/],
      ['cut-mid', text.slice(0, Math.floor(text.length / 2)), /cut off|not YAML/],
      ['not-lava', stringify({ hello: 'world' }), /not a LAVA job log or results file/],
      ['no-plan', stringify([{ dt: '2026-12-04T18:00:00', lvl: 'target', msg: 'Linux version 6.18' }]), /no KPTRLAB-PLAN line/],
      ['wrapped', wrapFirstCase(text), /an event of step verify is not whole JSON .*the console cut or wrapped the line/],
    ];
    for (const [name, content, message] of cases) {
      const file = join(dir, `${name}.yaml`);
      writeFileSync(file, content);
      const result = await runCli(['merge', file, '--output', join(dir, `merged-${name}`)]);
      t.equal(result.exitCode, 2, name);
      t.match(result.stderr, message, name);
      t.match(result.stderr, new RegExp(`${name}\\.yaml`), `${name}: the file is named`);
    }
    const records = parse(text) as Array<{ dt: string; lvl: string; msg: string }>;
    // A machine that dies mid-verify: LAVA closes the job, the target fails with the console's last lines, nothing is refused.
    const died = join(dir, 'died');
    mkdirSync(died);
    const firstCase = records.findIndex((record) => record.msg.startsWith('KPTRLAB-EVENT verify {"type":"case"'));
    const panic = { dt: '2026-12-04T18:30:00', lvl: 'target', msg: 'Kernel panic - not syncing: Fatal exception in interrupt' };
    const closed = { dt: '2026-12-04T18:31:00', lvl: 'results', msg: { definition: 'lava', case: 'job', result: 'fail', error_type: 'Test' } };
    writeFileSync(join(died, 'log.yaml'), stringify([...records.slice(0, firstCase + 2), panic, closed], { lineWidth: 0 }));
    const dead = await runCli(['merge', died, '--output', join(dir, 'merged-died')]);
    t.equal(dead.exitCode, 1, `a failed test of that kernel: ${dead.stderr}`);
    const deadTarget = resultsOf(join(dir, 'merged-died')).targets[0]!;
    t.equal(deadTarget.cases.length, 2, 'the cases it judged before it died');
    t.match(deadTarget.errors, [{ code: 'AGENT_CRASHED', stage: 'verify', consoleTail: /Kernel panic - not syncing/ }]);
    t.equal(deadTarget.bench, undefined, 'nothing after the suite it died in');

    // A job whose kernel is not the built one (LAVA fell back to the default kernel): the target fails, named.
    const otherKernel = join(dir, 'other-kernel');
    mkdirSync(otherKernel);
    writeFileSync(join(otherKernel, 'log.yaml'), stringify(records.map((record) => (record.msg.startsWith('KPTRLAB-VERSION ') ? { ...record, msg: 'KPTRLAB-VERSION Linux version 6.1.0-default (debian) #1 SMP' } : record)), { lineWidth: 0 }));
    const wrongKernel = await runCli(['merge', otherKernel, '--output', join(dir, 'merged-other-kernel')]);
    t.equal(wrongKernel.exitCode, 1, 'a failed test of that kernel, not a refused input');
    t.match(resultsOf(join(dir, 'merged-other-kernel')).targets[0]!.errors, [{ code: 'KERNEL_NOT_BOOTED', message: /ran on Linux version 6\.1\.0-default/ }]);

    const otherConfig = join(dir, 'other-config.yaml');
    const withHash = (msg: string) => {
      const plan = JSON.parse(msg.slice('KPTRLAB-PLAN '.length)) as { config: { hash: string } };
      return `KPTRLAB-PLAN ${JSON.stringify({ ...plan, config: { ...plan.config, hash: 'f'.repeat(64) } })}`;
    };
    writeFileSync(otherConfig, stringify(records.map((record) => (record.msg.startsWith('KPTRLAB-PLAN ') ? { ...record, msg: withHash(record.msg) } : record)), { lineWidth: 0 }));
    const mixed = await runCli(['merge', join(jobDir, 'log.yaml'), otherConfig, '--output', join(dir, 'merged-mixed')]);
    t.equal(mixed.exitCode, 2);
    t.match(mixed.stderr, /other-config\.yaml: is a job of another config/);
  });
});

