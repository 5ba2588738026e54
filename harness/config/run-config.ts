// Run config: typed objects with documented defaults (step 1), then rules across fields (step 2).
import { BENCH_VARIANTS, type BenchVariant } from '../suites/capability.js';
import { Cursor } from './cursor.js';

export const CONFIG_SCHEMA_VERSION = 1;

export interface TargetConfig {
  name: string;
  kind: 'local';
}

export interface VerifyConfig {
  enabled: boolean;
  /** Folder of verifier case sources (*.bpf.c), relative to the project root. */
  cases: string;
  /** Kernel verifier log level: 1 (verdict path) | 2 (every insn), 4 (stats) is always added. */
  logLevel: 1 | 2;
}

export interface BenchConfig {
  enabled: boolean;
  /** The benchmark program (relative to the project root). */
  program: string;
  sizes: number[];
  variants: BenchVariant[];
  /** Samples per cell (rounds of interleaved variants). */
  samples: number;
  /** Rounds run first and thrown away (cache and JIT warm-up). */
  warmup: number;
  /** Lookups per test_run inside the program's loop. */
  lookups: number;
  /** BPF_PROG_TEST_RUN repeat per sample. */
  repeat: number;
  seed: number;
}

export interface OutputConfig {
  /** Folder for results; each run writes <dir>/<run id>/results.json. */
  dir: string;
}

export interface RunConfig {
  file: string;
  schemaVersion: number;
  name: string;
  targets: TargetConfig[];
  probes: string;
  verify: VerifyConfig;
  bench: BenchConfig;
  output: OutputConfig;
}

export const DEFAULTS = {
  probes: 'programs/probes',
  verify: { enabled: true, cases: 'programs/cases', logLevel: 1 },
  bench: {
    enabled: true,
    program: 'programs/bench/rbtree_bench.bpf.c',
    sizes: [16, 256, 4096, 65536],
    variants: ['fast', 'baseline', 'stock', 'walk'] as BenchVariant[],
    samples: 20,
    warmup: 2,
    lookups: 1000,
    repeat: 10,
    seed: 1,
  },
  output: { dir: 'results' },
} as const;

export const MIN_SAMPLES = 10;
export const MAX_TREE_SIZE = 1 << 20;
const TOP_KEYS = ['schemaVersion', 'name', 'targets', 'probes', 'verify', 'bench', 'output'] as const;

/** Parses and validates YAML text; every error names file, line, key, expected, given and fix. */
export function parseRunConfig(file: string, text: string): RunConfig {
  const root = Cursor.root(file, text);
  if (root.isMissing()) root.fail('a mapping with at least "name"', 'Start from config/local.yaml.');
  root.keys(TOP_KEYS);
  const schemaVersion = root.at('schemaVersion').number({ default: CONFIG_SCHEMA_VERSION, integer: true });
  if (schemaVersion !== CONFIG_SCHEMA_VERSION) root.at('schemaVersion').fail(`${CONFIG_SCHEMA_VERSION}`, 'This kptrlab reads config schema version 1.');
  const config: RunConfig = {
    file,
    schemaVersion,
    name: root.at('name').string(),
    targets: parseTargets(root.at('targets')),
    probes: root.at('probes').string({ default: DEFAULTS.probes }),
    verify: parseVerify(root.at('verify')),
    bench: parseBench(root.at('bench')),
    output: parseOutput(root.at('output')),
  };
  checkAcrossFields(root, config);
  return config;
}

function parseTargets(cursor: Cursor): TargetConfig[] {
  if (cursor.isMissing()) return [{ name: 'local', kind: 'local' }];
  return cursor.list().map((item) => {
    item.keys(['name', 'kind']);
    const kind = item.at('kind').oneOf(['local'] as const, 'local');
    return { name: item.at('name').string({ default: kind }), kind };
  });
}

function parseVerify(cursor: Cursor): VerifyConfig {
  cursor.keys(['enabled', 'cases', 'logLevel']);
  return {
    enabled: cursor.at('enabled').boolean({ default: DEFAULTS.verify.enabled }),
    cases: cursor.at('cases').string({ default: DEFAULTS.verify.cases }),
    logLevel: cursor.at('logLevel').number({ default: DEFAULTS.verify.logLevel, integer: true, min: 1, max: 2 }) as 1 | 2,
  };
}

function parseBench(cursor: Cursor): BenchConfig {
  cursor.keys(['enabled', 'program', 'sizes', 'variants', 'samples', 'warmup', 'lookups', 'repeat', 'seed']);
  const sizes = cursor.at('sizes');
  const variants = cursor.at('variants');
  return {
    enabled: cursor.at('enabled').boolean({ default: DEFAULTS.bench.enabled }),
    program: cursor.at('program').string({ default: DEFAULTS.bench.program }),
    sizes: sizes.isMissing() ? [...DEFAULTS.bench.sizes] : sizes.list().map((item) => item.number({ integer: true, min: 1, max: MAX_TREE_SIZE })),
    variants: variants.isMissing() ? [...DEFAULTS.bench.variants] : variants.list().map((item) => item.oneOf(BENCH_VARIANTS)),
    samples: cursor.at('samples').number({ default: DEFAULTS.bench.samples, integer: true, min: MIN_SAMPLES, max: 10_000 }),
    warmup: cursor.at('warmup').number({ default: DEFAULTS.bench.warmup, integer: true, min: 0, max: 1000 }),
    lookups: cursor.at('lookups').number({ default: DEFAULTS.bench.lookups, integer: true, min: 1, max: 1_000_000 }),
    repeat: cursor.at('repeat').number({ default: DEFAULTS.bench.repeat, integer: true, min: 1, max: 1_000_000 }),
    seed: cursor.at('seed').number({ default: DEFAULTS.bench.seed, integer: true, min: 0 }),
  };
}

function parseOutput(cursor: Cursor): OutputConfig {
  cursor.keys(['dir']);
  return { dir: cursor.at('dir').string({ default: DEFAULTS.output.dir }) };
}

function checkAcrossFields(root: Cursor, config: RunConfig): void {
  const names = config.targets.map((target) => target.name);
  const duplicateTarget = names.find((name, index) => names.indexOf(name) !== index);
  if (duplicateTarget) root.at('targets').fail(`unique target names`, `Rename one of the targets called "${duplicateTarget}".`);
  if (config.targets.length === 0) root.at('targets').fail('at least one target', 'Add "- kind: local".');
  const bench = root.at('bench');
  const duplicateSize = config.bench.sizes.find((size, index) => config.bench.sizes.indexOf(size) !== index);
  if (duplicateSize !== undefined) bench.at('sizes').fail('distinct tree sizes', `Remove the second ${duplicateSize}.`);
  const duplicateVariant = config.bench.variants.find((variant, index) => config.bench.variants.indexOf(variant) !== index);
  if (duplicateVariant) bench.at('variants').fail('distinct variants', `Remove the second "${duplicateVariant}".`);
  if (config.bench.enabled && config.bench.sizes.length === 0) bench.at('sizes').fail('at least one tree size', 'Add e.g. "sizes: [16, 4096]" or set bench.enabled: false.');
  if (config.bench.enabled && config.bench.variants.filter((variant) => variant !== 'empty').length === 0) {
    bench.at('variants').fail('at least one variant besides the empty calibration loop', 'Add e.g. "variants: [stock, walk]".');
  }
  if (!config.verify.enabled && !config.bench.enabled) root.fail('verify or bench enabled', 'Set verify.enabled or bench.enabled to true.');
}
