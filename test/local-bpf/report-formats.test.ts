// kptrlab report --format markdown|junit|kcidb on real runs of this kernel: a run with passing cases, a case whose
// expectation is wrong and one that does not compile, the benchmark (fast and baseline rejected here) and the tree
// selftests; its JUnit read by python3-junitparser and its KCIDB checked with the v5.3 schema, both against results.json.
import { execa } from 'execa';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import type { KcidbData } from '../../harness/report/kcidb.js';
import type { CellResult, RunResults, TargetResult } from '../../harness/results/model.js';
import { projectPath } from '../../harness/util/paths.js';
import { bpfSkipReason } from '../helpers/bpf-env.js';
import { CLI, runCli } from '../helpers/cli.js';
import { readJunit } from '../helpers/junit.js';
import { kcidbErrors } from '../helpers/kcidb.js';
import { scratchDir } from '../helpers/scratch.js';

const skip = bpfSkipReason();
if (skip) t.comment(`skipping report formats on a real run: ${skip}`);

const dir = scratchDir('kptrlab-formats-');
const runDirOf = (outputDir: string) => join(outputDir, readdirSync(outputDir)[0]!);
const report = (args: string[]) => execa(process.execPath, [CLI, 'report', ...args], { reject: false });

/** This kernel: two good case files, one declared wrongly, one that does not compile; a one-size benchmark; the tree selftests. */
function writeConfig(): string {
  const cases = join(dir, 'cases');
  mkdirSync(cases);
  copyFileSync(projectPath('programs', 'cases', 'walk_stock_baseline.bpf.c'), join(cases, 'good.bpf.c'));
  // Declared accepted, yet it reads far outside its context: a real failing case with the verifier's own log.
  writeFileSync(join(cases, 'wrong.bpf.c'), '#include "kptrlab.h"\nSEC("tc") KL_ACCEPT("base") int wrongly_expected(struct __sk_buff *ctx) { return *(int *)((char *)ctx + 100000); }\nchar LICENSE[] SEC("license") = "GPL";\n');
  writeFileSync(join(cases, 'broken.bpf.c'), '#include "kptrlab.h"\nSEC("tc") KL_ACCEPT("base") int broken(void *ctx) { return undefined_symbol; }\n');
  // The selftests section of the default config, switched on (the 7.3 tree's tests, allowed to fail to compile on 6.18).
  const selftests = /^selftests:[\s\S]*?(?=^\S)/m.exec(readFileSync(projectPath('config', 'local.yaml'), 'utf8'))![0].replace(/enabled: false/, 'enabled: true');
  const config = join(dir, 'formats.yaml');
  writeFileSync(config, `name: formats\ntargets:\n  - {name: local, kind: local, series: absent}\nverify:\n  cases: ${cases}\nbench:\n  sizes: [16]\n  samples: 10\n  warmup: 1\n  lookups: 200\n  repeat: 2\n${selftests}`);
  return config;
}

/** A cell the integrity check fails (docs/reports.md): its size's check failed, and its variant miscounted or the problem was size-wide. */
function integrityFailed(bench: NonNullable<TargetResult['bench']>, cell: CellResult): boolean {
  const check = bench.integrity.find((entry) => entry.size === cell.size);
  if (!check || check.ok) return false;
  const variant = check.variants.find((entry) => entry.variant === cell.variant);
  return variant ? !variant.ok || check.variants.every((entry) => entry.ok) : true;
}

/** What a JUnit consumer must count for a target, derived from results.json alone. */
function expectedCounts(target: TargetResult) {
  const cases = (...statuses: string[]) => target.cases.filter((entry) => statuses.includes(entry.status)).length;
  const tests = target.selftests?.tests ?? [];
  const selftests = (...statuses: string[]) => tests.filter((test) => statuses.includes(test.status)).length;
  const bench = target.bench;
  const rejectedCells = (bench?.rejected.length ?? 0) * (bench?.sizes.length ?? 0);
  const measuredCells = bench?.cells.filter((cell) => cell.perAccess).length ?? 0;
  const brokenCells = bench?.cells.filter((cell) => cell.perAccess && integrityFailed(bench, cell)).length ?? 0;
  return {
    name: target.target.name,
    tests: target.cases.length + target.compileErrors.length + tests.length + measuredCells + rejectedCells + (bench?.errors.length ?? 0) + target.errors.length,
    failures: cases('fail') + selftests('fail', 'unexpected-pass') + brokenCells,
    errors: cases('error') + target.compileErrors.length + (bench?.errors.length ?? 0) + target.errors.length,
    skipped: cases('skip') + selftests('skip', 'expected-fail', 'allowed-fail') + rejectedCells,
  };
}

t.test('a real run rendered as JUnit, KCIDB and Markdown agrees with its results', { skip }, async (t) => {
  const run = await runCli(['run', '--config', writeConfig()]);
  t.equal(run.exitCode, 1, `the wrong expectation fails the run (stderr: ${run.stderr.slice(-400)})`);
  const results = run.results!;
  const runDir = runDirOf(run.outputDir);
  const target = results.targets[0]!;
  t.ok(target.cases.some((entry) => entry.id === 'wrongly_expected' && entry.status === 'fail'), 'the wrong case failed');
  t.equal(target.compileErrors.length, 1, 'the broken file did not compile');
  t.ok(target.bench!.rejected.length >= 1 && target.bench!.cells.some((cell) => cell.perAccess), 'cells measured, variants rejected');
  t.ok((target.selftests?.tests.length ?? 0) > 0, 'selftests ran');

  t.test('JUnit, read by python3-junitparser', async (t) => {
    const file = join(dir, 'junit.xml');
    const rendered = await report([runDir, '--format', 'junit', '--output', file]);
    t.equal(rendered.exitCode, 0, rendered.stderr);
    t.equal(rendered.stdout, '', '--output: nothing on stdout');
    const summary = await readJunit(file);
    const expected = results.targets.map(expectedCounts);
    t.same(summary.suites.map(({ name, tests, failures, errors, skipped }) => ({ name, tests, failures, errors, skipped })), expected);
    t.same(summary.totals, { tests: expected[0]!.tests, failures: expected[0]!.failures, errors: expected[0]!.errors, skipped: expected[0]!.skipped });
    // Whatever else this machine's run hit (a benchmark upset by load, a target error) must be listed too.
    const bench = target.bench!;
    const failedNames = [
      ...target.cases.filter((entry) => entry.status === 'fail' || entry.status === 'error').map((entry) => `local.verifier ${entry.id}`),
      ...target.compileErrors.map((error) => `local.verifier compile ${error.source}`),
      ...(target.selftests?.tests ?? []).filter((test) => test.status === 'fail' || test.status === 'unexpected-pass').map((test) => `local.selftests.${test.file} ${test.id.slice(test.id.indexOf('/') + 1)}`),
      ...bench.cells.filter((cell) => cell.perAccess && integrityFailed(bench, cell)).map((cell) => `local.bench ${cell.variant} size ${cell.size}`),
      ...bench.errors.map((error) => `local.bench error ${error.size ?? 'bench'}`),
      ...target.errors.map((error) => `local.target ${error.stage} ${error.code ?? 'error'}`),
    ];
    t.same(summary.failed.map((entry) => `${entry.classname} ${entry.name}`).sort(), failedNames.sort());
    const wrong = summary.failed.find((entry) => entry.name === 'wrongly_expected')!;
    const wrongCase = target.cases.find((entry) => entry.id === 'wrongly_expected')!;
    t.match(wrongCase.excerpt, /\S/, 'the rejection left a verifier log excerpt');
    t.equal(wrong.message, wrongCase.reason, "the failure message is the case's reason");
    t.equal(wrong.text, wrongCase.excerpt ?? '', 'the text is its verifier excerpt');
    t.match(summary.failed.find((entry) => entry.name.startsWith('compile '))?.message, /undefined_symbol/);
    const classnames = summary.suites[0]!.classnames;
    t.ok(classnames.includes('local.verifier') && classnames.includes('local.bench'), classnames.join(' '));
    t.ok(classnames.some((name) => name.startsWith('local.selftests.')), 'selftests by file');

    // The consumer's failing paths, on this very file: cut off, and a count that lies.
    const xml = readFileSync(file, 'utf8');
    writeFileSync(join(dir, 'cut.xml'), xml.slice(0, Math.floor(xml.length * 0.6)));
    await t.rejects(readJunit(join(dir, 'cut.xml')), /ParseError/);
    writeFileSync(join(dir, 'lie.xml'), xml.replace(/(<testsuite name="local" tests=")(\d+)/, (_, head: string, count: string) => `${head}${Number(count) - 1}`));
    await t.rejects(readJunit(join(dir, 'lie.xml')), new RegExp(`testsuite 'local' declares tests=${expected[0]!.tests - 1} but holds ${expected[0]!.tests}`));
  });

  t.test('KCIDB v5.3, checked with the schema; a second run merges into the same document', async (t) => {
    const rendered = await report([runDir, '--format', 'kcidb']);
    t.equal(rendered.exitCode, 0, rendered.stderr);
    const data = JSON.parse(rendered.stdout) as KcidbData;
    t.same(kcidbErrors(data), []);
    t.equal(data.tests.length, expectedCounts(target).tests, 'a test per case, compile error, selftest, cell and rejected cell');
    t.same(data.builds.map((build) => build.id), [`kptrlab:${results.run.id}:local`]);
    t.match(data.checkouts, [{ tree_name: target.provenance!.kernel.source, patchset_hash: '' }]);
    const wrong = data.tests.find((test) => test.path === 'bpf.verifier.wrongly_expected');
    t.match(wrong, { status: 'FAIL', start_time: results.run.startedAt, environment: { misc: { accelerator: 'native', timeUnit: 'ns' } } });
    for (const cell of target.bench!.cells.filter((entry) => entry.perAccess)) {
      const test = data.tests.find((entry) => entry.path === `bpf.bench.${cell.variant}.${cell.size}`);
      const status = integrityFailed(target.bench!, cell) ? 'FAIL' : 'DONE';
      t.match(test, { status, number: { value: cell.perAccess!.median / 1e9, unit: 's', prefix: 'metric' } }, `${cell.variant}@${cell.size}: ${status} with its median in s`);
    }
    t.equal(data.tests.filter((entry) => entry.path.startsWith('bpf.selftests.')).length, target.selftests!.tests.length);
    t.ok(data.tests.every((entry) => entry.status !== 'PASS' || entry.path.startsWith('bpf.verifier.')), 'only verifier cases pass here (cells are DONE, selftests allowed failures)');

    // The schema check's failing path on the real document: a made-up status and a checkout without its origin.
    const broken = JSON.parse(rendered.stdout) as KcidbData;
    const index = broken.tests.findIndex((entry) => entry.path === 'bpf.verifier.wrongly_expected');
    broken.tests[index]!.status = 'FAILED' as never;
    delete (broken.checkouts[0] as { origin?: string }).origin;
    const errors = kcidbErrors(broken);
    t.ok(errors.some((error) => error.startsWith(`/tests/${index}/status: must be equal to one of the allowed values`)), errors.join('\n'));
    t.ok(errors.includes("/checkouts/0: must have required property 'origin'"), errors.join('\n'));

    const second = await runCli(['verify', '--config', 'config/quick.yaml']);
    t.equal(second.exitCode, 0, second.stderr.slice(-400));
    const merged = await report([runDir, runDirOf(second.outputDir), '--format', 'kcidb']);
    t.equal(merged.exitCode, 0, merged.stderr);
    const both = JSON.parse(merged.stdout) as KcidbData;
    t.same(kcidbErrors(both), []);
    t.equal(both.builds.length, 2);
    t.equal(both.tests.length, data.tests.length + second.results!.targets[0]!.cases.length);
  });

  t.test('Markdown summary, and the older --reporter name', async (t) => {
    const file = join(dir, 'summary.md');
    const rendered = await report([runDir, '--format', 'markdown', '--output', file]);
    t.equal(rendered.exitCode, 0, rendered.stderr);
    const text = readFileSync(file, 'utf8');
    t.match(text, new RegExp(`^## kptrlab run \`${results.run.id}\`: \\*\\*FAILED\\*\\* \\(exit 1\\)\\n`));
    t.match(text, new RegExp(`\\| local \\| ${target.target.kernelRelease.replace(/\./g, '\\.')} \\| ${target.target.arch} \\| native \\| ns \\| base \\|`));
    t.match(text, /- \*\*local\*\* verifier `wrongly_expected`: /);
    t.match(text, new RegExp(`\\| local \\| ${target.selftests!.tests.length} \\|`), 'selftest totals');
    t.match(text, /\nFull report: \[report\.html\]\(report\.html\)\n$/);
    t.ok(text.split('\n').length <= 60);
    const json = await report([runDir, '--reporter', 'json']);
    t.same(JSON.parse(json.stdout), results as RunResults, '--reporter json still prints the results');
    const tap = await report([runDir, '--format', 'tap', '--output', join(dir, 'run.tap')]);
    t.equal(tap.exitCode, 0);
    t.equal(readFileSync(join(dir, 'run.tap'), 'utf8'), (await report([runDir, '--reporter', 'tap'])).stdout + '\n', '--format tap to a file = --reporter tap on stdout');
  });

  t.test('bad input: exit 2 naming the file and the fix', async (t) => {
    const twice = await report([runDir, runDir, '--format', 'markdown']);
    t.equal(twice.exitCode, 2);
    t.match(twice.stderr, /--format markdown renders one run, got 2 run folders \[USAGE\]\n\s+fix: .*only --format kcidb merges several runs/);
    const corrupt = join(dir, 'corrupt.ndjson');
    const lines = readFileSync(join(runDir, 'events.ndjson'), 'utf8').split('\n');
    lines.splice(3, 0, '{"type": "case", "target": ');
    writeFileSync(corrupt, lines.join('\n'));
    const bad = await report([corrupt, '--format', 'junit']);
    t.equal(bad.exitCode, 2);
    t.match(bad.stderr, new RegExp(`${corrupt.replace(/[/.]/g, '\\$&')}:4: not a JSON event .*\\[EVENT_LOG_INVALID\\]\\n\\s+fix: Only a run kptrlab wrote`));
    const noFolder = await report([runDir, '--format', 'kcidb', '--output', join(dir, 'nope', 'k.json')]);
    t.equal(noFolder.exitCode, 2);
    t.match(noFolder.stderr, /--output \S+nope\/k\.json: the folder \S+nope does not exist \[USAGE\]/);
  });
});
