// `kptrlab run|verify|bench`: load the config, subscribe reporters, execute, return the exit code.
import { parseArgs } from 'node:util';
import { loadRunConfig } from '../config/load.js';
import { MIN_SAMPLES, type RunConfig } from '../config/run-config.js';
import { isReporterName, REPORTERS, stdoutContext } from '../report/registry.js';
import { executeRun } from '../runner/run.js';
import { parseShard, shardConfig } from '../runner/shard.js';
import { ExitCode, KptrlabError } from '../util/errors.js';
import { projectPath } from '../util/paths.js';

export const DEFAULT_CONFIG = projectPath('config', 'local.yaml');

export type RunMode = 'run' | 'verify' | 'bench' | 'selftests';

/** Parses the command's flags, narrows the config to the mode, and runs it. */
export async function runCommand(mode: RunMode, argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string', short: 'c' },
      reporter: { type: 'string', short: 'r', default: 'table' },
      output: { type: 'string', short: 'o' },
      sizes: { type: 'string' },
      samples: { type: 'string' },
      target: { type: 'string', short: 't', multiple: true },
      shard: { type: 'string' },
    },
    strict: true,
  });
  const reporter = values.reporter ?? 'table';
  if (!isReporterName(reporter)) {
    throw new KptrlabError('USAGE', `unknown reporter "${reporter}"`, { hint: `Use one of: ${Object.keys(REPORTERS).join(', ')}.`, exitCode: ExitCode.usage });
  }
  const narrowed = narrow(loadRunConfig(values.config ?? DEFAULT_CONFIG), mode, values);
  // Split after the mode and --target narrowed it: the shards are parts of exactly the run asked for.
  const config = values.shard ? shardConfig(narrowed, parseShard(values.shard)) : narrowed;
  const output = REPORTERS[reporter](stdoutContext());
  return executeRun(config, (bus) => bus.subscribe((event, state) => output.onEvent(event, state)), { outputDir: values.output });
}

function narrow(config: RunConfig, mode: RunMode, values: { sizes?: string; samples?: string; target?: string[] }): RunConfig {
  const bench = { ...config.bench, enabled: mode === 'verify' || mode === 'selftests' ? false : mode === 'bench' ? true : config.bench.enabled };
  if (values.sizes) bench.sizes = parseNumberList('--sizes', values.sizes);
  if (values.samples) bench.samples = parseSamples(values.samples);
  const verify = { ...config.verify, enabled: mode === 'bench' || mode === 'selftests' ? false : mode === 'verify' ? true : config.verify.enabled };
  const selftests = { ...config.selftests, enabled: mode === 'selftests' ? true : mode === 'run' ? config.selftests.enabled : false };
  return { ...config, bench, verify, selftests, targets: pickTargets(config, values.target) };
}

// --target narrows the run to named targets; an unknown name lists the ones the config has.
function pickTargets(config: RunConfig, names: string[] | undefined): RunConfig['targets'] {
  if (!names?.length) return config.targets;
  const known = config.targets.map((target) => target.name);
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length) {
    throw new KptrlabError('USAGE', `--target ${unknown.join(', ')}: no such target in ${config.file}`, { hint: `Use one of: ${known.join(', ')}.`, exitCode: ExitCode.usage });
  }
  return config.targets.filter((target) => names.includes(target.name));
}

// The same floor as bench.samples in a config: fewer cannot give a distribution-free 95 % CI of the median worth printing.
function parseSamples(text: string): number {
  const samples = parseNumberList('--samples', text)[0]!;
  if (samples < MIN_SAMPLES) {
    throw new KptrlabError('USAGE', `--samples ${samples}: at least ${MIN_SAMPLES} samples are needed for the median's 95 % confidence interval`, { hint: `Use --samples ${MIN_SAMPLES} or more.`, exitCode: ExitCode.usage });
  }
  return samples;
}

function parseNumberList(flag: string, text: string): number[] {
  const numbers = text.split(',').map((part) => Number(part.trim()));
  if (numbers.some((value) => !Number.isInteger(value) || value < 1)) {
    throw new KptrlabError('USAGE', `${flag} expects positive integers separated by commas, got "${text}"`, { hint: `e.g. ${flag} 16,4096`, exitCode: ExitCode.usage });
  }
  return numbers;
}
