// `kptrlab kernel build|list|gc`: builds variants into the content-addressed cache, lists and cleans it.
import { parseArgs } from 'node:util';
import { buildKernel, kernelsRoot, type KernelBuildResult } from '../kernel/build.js';
import { collectGarbage, listEntries } from '../kernel/cache-admin.js';
import { loadKernelsConfig, variantRequest } from '../kernel/kernel-config.js';
import { createKernelReporter, formatDuration, wantsLiveUi } from '../kernel/reporter.js';
import { ARCHES, parseArch, type Arch } from '../util/arch.js';
import { ExitCode, KptrlabError } from '../util/errors.js';
import { formatBytes } from './cache.js';
import { runSubcommand } from './subcommands.js';
import { projectPath } from '../util/paths.js';

const USAGE = `usage: kptrlab kernel <build|list|gc> [options]

  build  [--config <yaml>] [--variant <name>]... [--arch ${ARCHES.join('|')}]... [--jobs N] [--json]
         build (or find in the cache) each variant for each arch;
         default: the config's kernels.build list (else every variant
         without debug: true, for x86_64)
  list   [--verify] [--json]      cached kernels; --verify re-hashes every artifact
  gc     [--trees] [--all] [--dry-run]
                                  remove broken entries, failed builds, leftovers of killed runs;
                                  --trees also the shared build trees, --all every kernel too
                                  (every other cache: kptrlab cache gc)

  --config defaults to config/ab.yaml (its kernels: section). Cache: $KPTRLAB_CACHE or ~/.cache/kptrlab.
  KPTRLAB_NO_UI=1 prints plain lines instead of a live status line.
`;

/** Runs a kernel subcommand; returns 0 ok, 1 build failed, 2 bad usage/config, 69 infrastructure missing. */
export async function kernelCommand(argv: string[]): Promise<number> {
  return runSubcommand('kernel', USAGE, { build: buildCommand, list: listCommand, gc: gcCommand }, argv);
}

async function buildCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string', default: projectPath('config/ab.yaml') },
      variant: { type: 'string', multiple: true },
      arch: { type: 'string', multiple: true },
      jobs: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const config = loadKernelsConfig(values.config!);
  const arches = (values.arch ?? ['x86_64']).map((arch) => parseArch(arch, '--arch'));
  // Debug variants (KASAN, lockdep) are slow and need their own tree: built only when named.
  const variants = values.variant ?? config.variants.filter((v) => !v.debug).map((v) => v.name);
  // Without --variant and --arch the config's kernels.build list says what to build.
  const pairs = values.variant === undefined && values.arch === undefined ? config.defaultBuilds : arches.flatMap((arch) => variants.map((variant) => ({ variant, arch })));
  const jobs = values.jobs === undefined ? undefined : Number.parseInt(values.jobs, 10);
  if (jobs !== undefined && !(jobs > 0)) throw usage(`--jobs must be a positive integer, got "${values.jobs}"`, 'Use e.g. --jobs 2.');
  const requests = pairs.map(({ variant, arch }) => ({ ...variantRequest(config, variant, arch), jobs }));
  const reporter = createKernelReporter({ out: process.stderr, live: wantsLiveUi(process.stderr) });
  const results: Array<KernelBuildResult & { variant: string; arch: Arch }> = [];
  try {
    for (const request of requests) {
      reporter.sink({ kind: 'note', message: `== ${request.variant} (${request.arch})` });
      const t0 = Date.now();
      const result = await buildKernel(request, reporter.sink);
      results.push({ ...result, variant: request.variant, arch: request.arch });
      reporter.sink({ kind: 'note', message: `   ${request.variant} ${request.arch}: ${result.hit ? 'cached' : 'built'} in ${formatDuration(Date.now() - t0)} → ${result.image}` });
    }
  } finally {
    reporter.close();
  }
  if (values.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  return ExitCode.ok;
}

async function listCommand(argv: string[]): Promise<number> {
  // --config is accepted like build's, though the cache is shared by every config.
  const { values } = parseArgs({ args: argv, options: { verify: { type: 'boolean', default: false }, json: { type: 'boolean', default: false }, config: { type: 'string' } }, strict: true });
  const rows = await listEntries(kernelsRoot(), values.verify);
  if (values.json) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return ExitCode.ok;
  }
  if (rows.length === 0) process.stdout.write(`no kernels in ${kernelsRoot()}\n`);
  for (const row of rows) {
    const state = row.ok ? 'ok' : `BROKEN (${row.reason})`;
    const took = row.totalMs === undefined ? '' : ` ${formatDuration(row.totalMs)}`;
    process.stdout.write(`${row.key}  ${row.variant ?? '?'} ${row.arch ?? '?'}  [${row.series ?? '?'}]  ${row.source ?? ''}  ${row.builtAt ?? ''}${took}  ${state}\n`);
  }
  return ExitCode.ok;
}

async function gcCommand(argv: string[]): Promise<number> {
  const options = { trees: { type: 'boolean', default: false }, all: { type: 'boolean', default: false }, 'dry-run': { type: 'boolean', default: false }, config: { type: 'string' } } as const;
  const { values } = parseArgs({ args: argv, options, strict: true });
  const dryRun = values['dry-run'];
  const report = await collectGarbage(kernelsRoot(), { trees: values.trees, all: values.all, dryRun });
  for (const item of report.items) process.stdout.write(`${dryRun ? 'would remove' : 'removed'} ${item.path}  ${formatBytes(item.bytes)}  (${item.reason})\n`);
  const freed = formatBytes(report.items.reduce((total, item) => total + item.bytes, 0));
  process.stdout.write(`kept ${report.kept} kernel(s) in ${kernelsRoot()}; ${dryRun ? 'would free' : 'freed'} ${freed}\n`);
  return ExitCode.ok;
}

function usage(message: string, hint: string): KptrlabError {
  return new KptrlabError('USAGE', message, { hint, exitCode: ExitCode.usage });
}
