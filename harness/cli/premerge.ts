// `kptrlab premerge --series S [--config F]`: a developer's series against its base tree, patch by patch: what flipped at
// which patch, what cost moved, what broke; a Markdown summary for the review thread; exit 1 on a regression.
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadRunConfig } from '../config/load.js';
import type { SourceSpec } from '../kernel/source.js';
import { loadRun } from '../history/load-run.js';
import { judgePremerge } from '../premerge/judge.js';
import { premergeMarkdown } from '../premerge/markdown.js';
import { premergePlan, storePatches } from '../premerge/plan.js';
import { describePatch, readSeries } from '../premerge/series-input.js';
import { REPORTERS, stdoutContext } from '../report/registry.js';
import { executeRun } from '../runner/run.js';
import { ARCHES, type Arch } from '../util/arch.js';
import { ExitCode, KptrlabError } from '../util/errors.js';
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
  --selftests       run the tree's own selftests (the config's selftests: suite) on every kernel too
  --check           read and check the series only (no build): malformed patches, order, versions
  --insns-percent P report programs whose instructions processed move by more than P % (default 5)
  --output DIR      results folder (default: the config's output.dir)

Each kernel (base, base+1, base+1,2, ...) is built on one tree (only what a patch touches is rebuilt;
an edited patch rebuilds from that patch on) and booted under QEMU for the config's verifier matrix
(and the tree's selftests with --selftests or when the config enables them). Exit 1 on a regression: a verdict or selftest that
now fails, a new splat, crash, build or boot failure.`;

const OPTIONS = {
  series: { type: 'string' }, config: { type: 'string', short: 'c' }, base: { type: 'string' }, tree: { type: 'string' },
  'only-final': { type: 'boolean' }, 'allow-missing': { type: 'boolean' }, bench: { type: 'boolean' }, selftests: { type: 'boolean' }, check: { type: 'boolean' },
  'insns-percent': { type: 'string' }, output: { type: 'string', short: 'o' }, arch: { type: 'string' }, help: { type: 'boolean', short: 'h' },
} as const;

export async function premergeCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: OPTIONS, strict: true });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return ExitCode.ok;
  }
  if (!values.series) throw new KptrlabError('USAGE', 'kptrlab premerge needs --series', { hint: USAGE.split('\n')[0], exitCode: ExitCode.usage });
  const series = await readSeries(values.series, { allowMissing: values['allow-missing'] });
  process.stdout.write(`series: ${series.patches.length} patch(es) of v${series.patches[0]!.version}\n${series.patches.map((patch) => `  ${describePatch(patch)}`).join('\n')}\n`);
  for (const note of series.notes) process.stdout.write(`  note: ${note}\n`);
  if (values.check) return ExitCode.ok;

  const arch = (values.arch ?? 'x86_64') as Arch;
  if (!ARCHES.includes(arch)) throw new KptrlabError('USAGE', `--arch ${values.arch}: not one of ${ARCHES.join(', ')}`, { exitCode: ExitCode.usage });
  const insnsPercent = Number(values['insns-percent'] ?? 5);
  if (!(insnsPercent >= 0)) throw new KptrlabError('USAGE', `--insns-percent ${values['insns-percent']}: not a percentage`, { hint: 'e.g. --insns-percent 5', exitCode: ExitCode.usage });
  const loaded = loadRunConfig(values.config ?? projectPath('config', 'ab.yaml'));
  const config = values.selftests ? { ...loaded, selftests: { ...loaded.selftests, enabled: true } } : loaded;
  const paths = storePatches(series.patches, join(cacheRoot(), 'premerge', 'patches'));
  const baseVariant = values.base ?? 'base';
  const plan = premergePlan(config, series.patches, paths, { baseVariant, onlyFinal: values['only-final'] ?? false, arch, tree: values.tree ? parseTree(values.tree) : undefined, bench: values.bench ?? false });
  process.stdout.write(`kernels: ${plan.steps.map((step) => step.target).join(' → ')} (base: variant ${baseVariant} of ${config.file})\n`);

  const output = REPORTERS.table(stdoutContext());
  let runDir = '';
  const runExit = await executeRun(plan.config, (bus) => bus.subscribe((event, state) => output.onEvent(event, state)), { outputDir: values.output, onRunDir: (dir) => (runDir = dir) });
  if (!runDir || !existsSync(join(runDir, 'results.json'))) return runExit;
  const judgement = judgePremerge(loadRun(runDir).results, plan.steps, insnsPercent);
  const markdown = premergeMarkdown(series, judgement, { base: `${baseVariant} of ${config.file}`, runDir, arch });
  writeFileSync(join(runDir, 'premerge.md'), markdown);
  writeFileSync(join(runDir, 'premerge.json'), `${JSON.stringify({ steps: judgement.steps.map((step) => ({ ...step, step: { ...step.step, adds: step.step.adds?.index } })), regressions: judgement.regressions, notes: series.notes }, null, 2)}\n`);
  process.stdout.write(`\n${markdown}\n(saved: ${join(runDir, 'premerge.md')})\n`);
  if (runExit !== ExitCode.ok && runExit !== ExitCode.testsFailed) return runExit;
  return judgement.regressions.length ? ExitCode.testsFailed : ExitCode.ok;
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
