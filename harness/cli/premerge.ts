// `kptrlab premerge --series S [--config F]`: a developer's series against its base tree, patch by patch: what flipped at
// which patch, what cost moved, what broke; a Markdown summary for the review thread; exit 1 on a regression.
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadRunConfig } from '../config/load.js';
import type { SourceSpec } from '../kernel/source.js';
import { loadRun } from '../history/load-run.js';
import { judgePremerge } from '../premerge/judge.js';
import { premergeMarkdown } from '../premerge/markdown.js';
import { premergePlan, storePatches, type PremergeOptions, type PremergeStep } from '../premerge/plan.js';
import { chooseSelftests } from '../premerge/selftest-choice.js';
import { describePatch, readSeries, type SeriesPatch } from '../premerge/series-input.js';
import { veristatCsv } from '../report/veristat-csv.js';
import type { RunConfig } from '../config/run-config.js';
import { pickMachines, readInventoryFile, type MachineInventory, type MachineSpec } from '../config/machines.js';
import type { RunResults } from '../results/model.js';
import { loadSuiteManifest } from '../selftests/manifest.js';
import { REPORTERS, stdoutContext } from '../report/registry.js';
import { executeRun } from '../runner/run.js';
import { parseShard, shardConfig } from '../runner/shard.js';
import { ARCHES, type Arch } from '../util/arch.js';
import { ExitCode, KptrlabError, type ExitCodeValue } from '../util/errors.js';
import { checkMergedConfig, checkShardFlags, mergeRunFolders } from './merge.js';
import { cacheRoot, projectPath } from '../util/paths.js';

const USAGE = `usage: kptrlab premerge --series <mbox|folder|repo:base..head> [options]

  --series S        the series as sent: an mbox (b4 am, git format-patch --stdout), a folder of
                    format-patch files, or a git range <repo>:<base>..<head>; ordered by [PATCH vN m/n]
  --config F        the kernels: section (base tree, config fragments) and the suites (default config/ab.yaml)
  --base VARIANT    the config's variant that is the base tree (default base)
  --tree SPEC       another base tree: a source folder, debian:<package>[@<suite>], or <git url>@<ref>
  --only-final      build and test the base and the whole series only (not each prefix)
  --allow-missing   test the patches present when some m/n are missing
  --bench           run the benchmark on every kernel too
  --selftests       run the tree's whole selftest suite (kselftests/suite.yaml's files:) on every kernel; by default
                    only the files whose touches: rules name a file the series changes run (docs/premerge.md)
  --skip-selftests  no tree selftests (and no veristat-style pass)
  --machine NAME    boot every kernel on this lab machine (kexec, verified, then back to its default kernel) instead
                    of QEMU; from the config's machines: or --machines (docs/lab-machines.md)
  --machines FILE   a machine inventory file
  --check           read and check the series only (no build): malformed patches, order, versions
  --insns-percent P report programs whose instructions processed move by more than P % (default 5)
  --output DIR      results folder (default: the config's output.dir)
  --shard i/n       build and test only the i-th of n parts of the kernels (each kernel's build, boot and suites
                    stay in one part); no judgement: that needs every kernel
  --merge DIR...    join the run folders of the n parts, then judge as an unsharded premerge would (same --series
                    and options as the parts)

Each kernel (base, base+1, base+1,2, ...) is built on one tree (only what a patch touches is rebuilt;
an edited patch rebuilds from that patch on) and booted under QEMU for the config's verifier matrix
and the tree's selftests that cover the changed files, taken from each kernel's own tree (its patches applied), plus a
veristat-style pass over their programs (veristat-base.csv, veristat-final.csv). Exit 1 on a regression: a verdict or
selftest that now fails, a new splat, crash, build or boot failure.`;

const OPTIONS = {
  series: { type: 'string' }, config: { type: 'string', short: 'c' }, base: { type: 'string' }, tree: { type: 'string' },
  'only-final': { type: 'boolean' }, 'allow-missing': { type: 'boolean' }, bench: { type: 'boolean' }, selftests: { type: 'boolean' }, 'skip-selftests': { type: 'boolean' }, machine: { type: 'string' }, machines: { type: 'string' }, check: { type: 'boolean' },
  'insns-percent': { type: 'string' }, output: { type: 'string', short: 'o' }, arch: { type: 'string' }, shard: { type: 'string' }, merge: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
} as const;

export async function premergeCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return ExitCode.ok;
  }
  if (!values.series) throw new KptrlabError('USAGE', 'kptrlab premerge needs --series', { hint: USAGE.split('\n')[0], exitCode: ExitCode.usage });
  checkShardFlags('premerge', values.shard, values.merge ?? false, positionals, 'kptrlab premerge --series S [options] --shard i/n, then kptrlab premerge --series S [options] --merge <run dir>...');
  const shard = values.shard ? parseShard(values.shard) : undefined;
  const series = await readSeries(values.series, { allowMissing: values['allow-missing'] });
  process.stdout.write(`series: ${series.patches.length} patch(es) of v${series.patches[0]!.version}\n${series.patches.map((patch) => `  ${describePatch(patch)}`).join('\n')}\n`);
  for (const note of series.notes) process.stdout.write(`  note: ${note}\n`);
  if (values.check) return ExitCode.ok;

  const config = loadRunConfig(values.config ?? projectPath('config', 'ab.yaml'));
  const machine = values.machine === undefined ? undefined : premergeMachine(values.machine, values.machines ? readInventoryFile(values.machines) : config.machines);
  const arch = (machine?.arch ?? values.arch ?? 'x86_64') as Arch;
  if (machine && values.arch && values.arch !== machine.arch) throw new KptrlabError('USAGE', `--arch ${values.arch}, but machine ${machine.name} is ${machine.arch}`, { hint: 'Leave --arch out: the kernels are built for the machine.', exitCode: ExitCode.usage });
  if (!ARCHES.includes(arch)) throw new KptrlabError('USAGE', `--arch ${values.arch}: not one of ${ARCHES.join(', ')}`, { exitCode: ExitCode.usage });
  const insnsPercent = Number(values['insns-percent'] ?? 5);
  if (!(insnsPercent >= 0)) throw new KptrlabError('USAGE', `--insns-percent ${values['insns-percent']}: not a percentage`, { hint: 'e.g. --insns-percent 5', exitCode: ExitCode.usage });
  if (values.selftests && values['skip-selftests']) throw new KptrlabError('USAGE', '--selftests and --skip-selftests contradict each other', { hint: 'Pass one of them (neither: the selftests that cover the changed files).', exitCode: ExitCode.usage });
  const selftests = pickSelftests(config, series.patches, values);
  process.stdout.write(`tree selftests: ${selftests.how}\n`);
  const paths = storePatches(series.patches, join(cacheRoot(), 'premerge', 'patches'));
  const baseVariant = values.base ?? 'base';
  const plan = premergePlan(config, series.patches, paths, { baseVariant, onlyFinal: values['only-final'] ?? false, arch, tree: values.tree ? parseTree(values.tree) : undefined, bench: values.bench ?? false, selftests: selftests.plan, machine });
  process.stdout.write(`kernels: ${plan.steps.map((step) => step.target).join(' → ')} (base: variant ${baseVariant} of ${config.file})\n`);

  const output = REPORTERS.table(stdoutContext());
  if (shard) {
    const part = shardConfig(plan.config, shard);
    process.stdout.write(`shard ${shard.index}/${shard.count}: ${part.targets.map((target) => target.name).join(', ') || 'no kernel'}\n`);
    const runExit = await executeRun(part, (bus) => bus.subscribe((event, state) => output.onEvent(event, state)), { outputDir: values.output });
    process.stdout.write(`\npremerge shard ${shard.index}/${shard.count} done; judged once merged: the same command with --merge <the ${shard.count} shard run folders> instead of --shard\n`);
    return runExit;
  }
  let runDir = '';
  let runExit: ExitCodeValue;
  if (values.merge) {
    const merged = await mergeRunFolders(positionals, { outputDir: values.output ?? plan.config.output.dir, reporter: 'table' });
    checkMergedConfig(merged, config.file, 'the same premerge command and --shard i/n');
    const planned = plan.config.targets.map((target) => target.name);
    if (merged.targets.join('\n') !== planned.join('\n')) throw new KptrlabError('MERGE_INVALID', `the shards tested kernels ${merged.targets.join(', ')}, this series plans ${planned.join(', ')}; the merged run is kept in ${merged.runDir}`, { hint: 'Pass the --series and options the shards ran with.', exitCode: ExitCode.usage });
    ({ runDir, exitCode: runExit } = merged);
  } else {
    runExit = await executeRun(plan.config, (bus) => bus.subscribe((event, state) => output.onEvent(event, state)), { outputDir: values.output, onRunDir: (dir) => (runDir = dir) });
  }
  if (!runDir || !existsSync(join(runDir, 'results.json'))) return runExit;
  const results = loadRun(runDir).results;
  const judgement = judgePremerge(results, plan.steps, insnsPercent);
  const veristatFiles = writeVeristatCsvs(runDir, results, plan.steps);
  const markdown = premergeMarkdown(series, judgement, { base: `${baseVariant} of ${config.file}`, runDir, arch, selftests: { how: selftests.how, uncovered: selftests.uncovered }, veristatFiles });
  writeFileSync(join(runDir, 'premerge.md'), markdown);
  writeFileSync(join(runDir, 'premerge.json'), `${JSON.stringify({ steps: judgement.steps.map((step) => ({ ...step, step: { ...step.step, adds: step.step.adds?.index } })), overall: judgement.overall, regressions: judgement.regressions, notes: series.notes, selftests: { how: selftests.how, files: selftests.plan === 'off' ? [] : selftests.plan.files ?? 'suite', uncovered: selftests.uncovered } }, null, 2)}\n`);
  process.stdout.write(`\n${markdown}\n(saved: ${join(runDir, 'premerge.md')})\n`);
  if (runExit !== ExitCode.ok && runExit !== ExitCode.testsFailed) return runExit;
  return judgement.regressions.length ? ExitCode.testsFailed : ExitCode.ok;
}

/** The lab machine every kernel boots on; it must declare its arch, which the kernels are built for. */
export function premergeMachine(name: string, inventory: MachineInventory): MachineSpec {
  const [spec] = pickMachines(inventory, { machine: name });
  if (!spec!.arch) throw new KptrlabError('USAGE', `--machine ${name}: ${spec!.file} gives machine ${name} no arch:, so there is no arch to build its kernels for`, { hint: `Add "arch: x86_64" or "arch: arm64" to machine ${name}.`, exitCode: ExitCode.usage });
  return spec!;
}


/** Which tree selftests run: --skip-selftests none, --selftests (or the config's selftests:) the suite, else those covering the changed files. */
export function pickSelftests(config: RunConfig, patches: readonly SeriesPatch[], flags: { selftests?: boolean; 'skip-selftests'?: boolean }): { plan: PremergeOptions['selftests']; how: string; uncovered: string[] } {
  if (flags['skip-selftests']) return { plan: 'off', how: 'none (--skip-selftests)', uncovered: [] };
  if (flags.selftests || config.selftests.enabled) {
    const files = config.selftests.files;
    return { plan: { files }, how: `${files ? files.join(', ') : 'the whole suite'} (${flags.selftests ? '--selftests' : `selftests: in ${config.file}`})`, uncovered: [] };
  }
  // Loaded by its project-relative name when it has one, so the summary says "kselftests/suite.yaml line N".
  const manifest = isAbsolute(config.selftests.suite) ? loadSuiteManifest(config.selftests.suite) : { ...loadSuiteManifest(projectPath(config.selftests.suite)), file: config.selftests.suite };
  const choice = chooseSelftests(manifest, patches.flatMap((patch) => patch.files));
  if (!choice.files.length) return { plan: 'off', how: `none: no touches: rule in ${manifest.file} names a file the series changes`, uncovered: choice.uncovered };
  const rules = [...new Set(choice.because.map((reason) => `${reason.path} (${reason.rule})`))];
  return { plan: { files: choice.files }, how: `${choice.files.join(', ')}, for ${rules.join('; ')}`, uncovered: choice.uncovered };
}

// veristat's CSV of the base kernel and of the last one, side by side with the summary.
function writeVeristatCsvs(runDir: string, results: RunResults, steps: readonly PremergeStep[]): string[] {
  const written: string[] = [];
  for (const [label, step] of [['base', steps[0]], ['final', steps.at(-1)]] as const) {
    const rows = results.targets.find((target) => target.target.name === step?.target)?.selftests?.veristat;
    if (!rows?.length || steps.length < 2) continue;
    writeFileSync(join(runDir, `veristat-${label}.csv`), veristatCsv(rows));
    written.push(`veristat-${label}.csv`);
  }
  return written;
}

/** --tree: a source folder, debian:<package>[@<suite>], or <git url>@<ref>. */
export function parseTree(text: string): SourceSpec {
  const debian = /^debian:([^@]+)(?:@(.+))?$/.exec(text);
  if (debian) return { kind: 'debian', package: debian[1]!, suite: debian[2] ?? 'trixie-backports' };
  if (existsSync(text) && statSync(text).isDirectory()) return { kind: 'dir', path: resolve(text) };
  if (existsSync(text) && /\.tar(\.\w+)?$/.test(text)) return { kind: 'tarball', path: resolve(text) };
  const git = /^(.+)@([^@/]+)$/.exec(text);
  if (git && /^(https?:|git:|ssh:|\/|[\w.-]+@[\w.-]+:)/.test(git[1]!)) return { kind: 'git', url: git[1]!, ref: git[2]! };
  throw new KptrlabError('USAGE', `--tree ${text}: not a folder, a tarball, debian:<package>[@<suite>] or <git url>@<ref>`, { hint: 'e.g. --tree ~/linux, --tree debian:linux-source-7.3@trixie-backports, --tree https://git.kernel.org/.../bpf-next.git@master', exitCode: ExitCode.usage });
}
