// Run config: typed objects with documented defaults (step 1), then rules across fields (step 2).
import { BENCH_VARIANTS, type BenchVariant } from '../results/vocab.js';
import { parseKernelsSection, parseSource, type KernelsConfig } from '../kernel/kernel-config.js';
import type { SourceSpec } from '../kernel/source.js';
import { SERIES, type Series } from '../results/vocab.js';
import { ARCHES, ARCH_NAMES, type Arch } from '../util/arch.js';
import { Cursor } from '../util/yaml-cursor.js';
import { parseCiSection, type CiConfig } from './ci-config.js';
import { parseMachinesKey, pickMachines, type MachineInventory, type MachineSpec } from './machines.js';

export const CONFIG_SCHEMA_VERSION = 1;

export interface LocalTargetConfig {
  name: string;
  kind: 'local';
  /** Run the benchmark on this target (default true). */
  bench: boolean;
  /** What the kernel has of the series under test; selftests that need more are expected to fail. */
  series?: Series;
}

export interface QemuTargetConfig {
  name: string;
  kind: 'qemu';
  arch: Arch;
  /** A variant of the config's kernels: section (built or reused), or a Debian kernel package. */
  kernel: { variant: string } | { debianPackage: string };
  cpus: number;
  memoryMiB: number;
  accel: 'auto' | 'kvm' | 'tcg';
  /** Under TCG, count instructions (-icount shift=0): repeatable cost figures in icount-ns. */
  icount: boolean;
  bootTimeoutSec: number;
  execTimeoutSec: number;
  bench: boolean;
  series?: Series;
}

/** A real machine reached over SSH (its own running kernel, real nanoseconds). */
export interface MachineTargetConfig {
  name: string;
  kind: 'machine';
  machine: MachineSpec;
  /** tune: true or {cpu: N}: performance governor, boost off, SMT siblings offline, agent pinned; all restored after. */
  tune?: { cpu?: number };
  /** A variant of the kernels: section, kexec'd on the machine for this target (then the machine goes back to its default). */
  kernel?: { variant: string; append: string[] };
  bench: boolean;
  series?: Series;
}

export type TargetConfig = LocalTargetConfig | QemuTargetConfig | MachineTargetConfig;

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
  /** Adaptive sampling: past `samples`, add rounds per size until every median's 95 % CI half-width is within target (absent: exactly `samples`). */
  precision?: { halfWidthPercent: number; budgetSec: number; maxSamples: number };
}

export interface ShardInfo {
  index: number;
  count: number;
  targets: string[];
}

export interface SelftestsConfig {
  /** `kptrlab selftests` turns this on; `run` runs them only when the config says so. */
  enabled: boolean;
  /** Which tree tests run and how skeleton-style files are judged (relative to the project root). */
  suite: string;
  /** Deny/allow entries, each with a reason and an expiry date. */
  lists: string;
  /** Where the tree comes from; default: the kernels: section's source, else Debian's linux-source-7.3. */
  source: SourceSpec;
  /** Also build the tree's own test_progs for the selected tests and compare its verdicts with ours. */
  testProgs: boolean;
  /** Also load every program of the selected objects alone with statistics, as veristat does (instructions, states, peak states). */
  veristat: boolean;
  /** Narrows the suite's files: globs to these (premerge picks them from the files a series touches). */
  files?: string[];
}

export interface OutputConfig {
  /** Folder for results; each run writes <dir>/<run id>/results.json. */
  dir: string;
}

/** When `kptrlab compare` and `kptrlab nightly` call a benchmark cell a regression. */
export interface CompareConfig {
  /** Slower by at least this many percent (of the baseline's median)… */
  slowdownPercent: number;
  /** …with a two-sided Mann–Whitney U p below alpha. */
  alpha: number;
}

export interface RunConfig {
  file: string;
  /** The kernels: section (variants to build), when the config has one. */
  kernels?: KernelsConfig;
  /** Set by --shard: this run is shard index/count of a run over `targets` (every target of the config). */
  shard?: ShardInfo;
  schemaVersion: number;
  name: string;
  targets: TargetConfig[];
  /** The machines: inventory (inline or from its file); machine targets pick from it. */
  machines: MachineInventory;
  probes: string;
  verify: VerifyConfig;
  bench: BenchConfig;
  selftests: SelftestsConfig;
  output: OutputConfig;
  compare: CompareConfig;
  /** Where `kptrlab ci github` runs jobs that need no lab machine. */
  ci: CiConfig;
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
    // What `precision: true` (or a partial mapping) fills in; without a precision: key the run samples exactly `samples`.
    precision: { halfWidthPercent: 2, budgetSec: 120, maxSamples: 1000 },
  },
  selftests: { enabled: false, suite: 'kselftests/suite.yaml', lists: 'kselftests/lists.yaml', testProgs: true, veristat: false },
  output: { dir: 'results' },
  compare: { slowdownPercent: 3, alpha: 0.05 },
} as const;

export const MIN_SAMPLES = 10;
export const MAX_TREE_SIZE = 1 << 20;
const TOP_KEYS = ['schemaVersion', 'name', 'kernels', 'machines', 'targets', 'probes', 'verify', 'bench', 'selftests', 'output', 'compare', 'ci'] as const;
const QEMU_DEFAULTS = { cpus: 2, memoryMiB: 2048, accel: 'auto', icount: true, bootTimeoutSec: 180, execTimeoutSec: 1800 } as const;

/** Parses and validates YAML text; every error names file, line, key, expected, given and fix. */
export function parseRunConfig(file: string, text: string): RunConfig {
  const root = Cursor.root(file, text);
  if (root.isMissing()) root.fail('a mapping with at least "name"', 'Start from config/local.yaml.');
  root.keys(TOP_KEYS);
  const schemaVersion = root.at('schemaVersion').number({ default: CONFIG_SCHEMA_VERSION, integer: true });
  if (schemaVersion !== CONFIG_SCHEMA_VERSION) root.at('schemaVersion').fail(`${CONFIG_SCHEMA_VERSION}`, 'This kptrlab reads config schema version 1.');
  const config: RunConfig = {
    file,
    kernels: root.at('kernels').isMissing() ? undefined : parseKernelsSection(file, text),
    schemaVersion,
    name: root.at('name').string(),
    machines: new Map(),
    targets: [],
    probes: root.at('probes').string({ default: DEFAULTS.probes }),
    verify: parseVerify(root.at('verify')),
    bench: parseBench(root.at('bench')),
    selftests: { enabled: false, suite: '', lists: '', source: { kind: 'debian', package: '', suite: '' }, testProgs: false, veristat: false },
    output: parseOutput(root.at('output')),
    compare: parseCompare(root.at('compare')),
    ci: parseCiSection(root.at('ci')),
  };
  config.machines = parseMachinesKey(root.at('machines'));
  config.targets = parseTargets(root.at('targets'), config.machines);
  config.selftests = parseSelftests(root.at('selftests'), config.kernels?.source);
  checkAcrossFields(root, config);
  return config;
}

// The list item each target came from (a labels: pick makes several), for errors found across fields.
const TARGET_SOURCE = new WeakMap<TargetConfig, Cursor>();

function parseTargets(cursor: Cursor, machines: MachineInventory): TargetConfig[] {
  if (cursor.isMissing()) return [{ name: 'local', kind: 'local', bench: true }];
  return cursor.list().flatMap((item) => parseTargetItem(item, machines).map((target) => {
    TARGET_SOURCE.set(target, item);
    return target;
  }));
}

function parseTargetItem(item: Cursor, machines: MachineInventory): TargetConfig[] {
  const kind = item.at('kind').oneOf(['local', 'qemu', 'machine'] as const, 'local');
  if (kind === 'local') {
    item.keys(['name', 'kind', 'bench', 'series']);
    return [{ name: item.at('name').string({ default: kind }), kind, bench: item.at('bench').boolean({ default: true }), series: parseSeries(item.at('series')) }];
  }
  if (kind === 'machine') return parseMachineTargets(item, machines);
  return [parseQemuTarget(item)];
}

// One target per picked machine: by name (the target's name defaults to the machine's) or by labels (named after each machine).
function parseMachineTargets(item: Cursor, machines: MachineInventory): MachineTargetConfig[] {
  item.keys(['name', 'kind', 'machine', 'labels', 'tune', 'kernel', 'bench', 'series']);
  const kernel = parseMachineKernel(item.at('kernel'));
  const tuneAt = item.at('tune');
  let tune: { cpu?: number } | undefined;
  if (tuneAt.isScalar()) tune = tuneAt.boolean() ? {} : undefined;
  else if (!tuneAt.isMissing()) {
    tuneAt.keys(['cpu']);
    tune = { cpu: tuneAt.at('cpu').isMissing() ? undefined : tuneAt.at('cpu').number({ integer: true, min: 0, max: 4095 }) };
  }
  const machine = item.at('machine').optionalString();
  const labels = item.at('labels').isMissing() ? undefined : item.at('labels').stringList();
  if ((machine === undefined) === (labels === undefined)) item.fail('exactly one of machine: <name> or labels: [...]', 'Pick a machine of the machines: inventory by name, or every machine with some labels.');
  if (machines.size === 0) item.at('machine').fail('a machine of the machines: inventory, which is empty', 'Add a machines: section or file (see docs/lab-machines.md).');
  if (machine !== undefined && !machines.has(machine)) item.at('machine').fail(`one of the machines ${[...machines.keys()].join(', ')}`, 'Add the machine to the inventory or fix the name.');
  const picked = pickMachines(machines, { machine, labels });
  if (picked.length === 0) item.at('labels').fail(`labels some machine has (known machines: ${[...machines.values()].map((spec) => `${spec.name} [${spec.labels.join(', ')}]`).join('; ')})`, 'Fix the labels or label a machine.');
  const bench = item.at('bench').boolean({ default: true });
  const series = parseSeries(item.at('series'));
  const name = item.at('name').optionalString();
  return picked.map((spec) => ({ name: machine !== undefined ? name ?? spec.name : `${name ? `${name}@` : ''}${spec.name}`, kind: 'machine', machine: spec, ...(tune ? { tune } : {}), ...(kernel ? { kernel } : {}), bench, series }));
}

// kernel: {variant, append}: the machine's own command line plus `append` (words) plus kptrlab's boot marker.
function parseMachineKernel(cursor: Cursor): MachineTargetConfig['kernel'] {
  if (cursor.isMissing()) return undefined;
  cursor.keys(['variant', 'append']);
  if (cursor.at('variant').isMissing()) cursor.fail('kernel: {variant: <name>}', 'Name a variant of the kernels: section; the machine runs its own kernel when kernel: is left out.');
  const append = cursor.at('append');
  const words = append.isMissing() ? [] : append.isScalar() ? append.string().split(/\s+/).filter(Boolean) : append.stringList();
  return { variant: cursor.at('variant').string(), append: words };
}

function parseQemuTarget(item: Cursor): QemuTargetConfig {
  item.keys(['name', 'kind', 'arch', 'kernel', 'cpus', 'memoryMiB', 'accel', 'icount', 'bootTimeoutSec', 'execTimeoutSec', 'bench', 'series']);
  const kernel = item.at('kernel');
  if (kernel.isMissing()) kernel.fail('a kernel: {variant: <name>} or {debianPackage: <package>}', 'Add e.g. "kernel: {variant: patched}".');
  kernel.keys(['variant', 'debianPackage']);
  const variant = kernel.at('variant').optionalString();
  const debianPackage = kernel.at('debianPackage').optionalString();
  if ((variant === undefined) === (debianPackage === undefined)) kernel.fail('exactly one of variant or debianPackage', `Use "variant: patched" (built from kernels:) or "debianPackage: ${ARCH_NAMES.x86_64.debianKernel}".`);
  return {
    name: item.at('name').string(),
    kind: 'qemu',
    arch: item.at('arch').oneOf(ARCHES, 'x86_64'),
    kernel: variant !== undefined ? { variant } : { debianPackage: debianPackage! },
    cpus: item.at('cpus').number({ default: QEMU_DEFAULTS.cpus, integer: true, min: 1, max: 64 }),
    memoryMiB: item.at('memoryMiB').number({ default: QEMU_DEFAULTS.memoryMiB, integer: true, min: 256, max: 65536 }),
    accel: item.at('accel').oneOf(['auto', 'kvm', 'tcg'] as const, QEMU_DEFAULTS.accel),
    icount: item.at('icount').boolean({ default: QEMU_DEFAULTS.icount }),
    bootTimeoutSec: item.at('bootTimeoutSec').number({ default: QEMU_DEFAULTS.bootTimeoutSec, integer: true, min: 5 }),
    execTimeoutSec: item.at('execTimeoutSec').number({ default: QEMU_DEFAULTS.execTimeoutSec, integer: true, min: 5 }),
    bench: item.at('bench').boolean({ default: true }),
    series: parseSeries(item.at('series')),
  };
}

function parseSeries(cursor: Cursor): Series | undefined {
  return cursor.isMissing() ? undefined : cursor.oneOf(SERIES);
}

function parseSelftests(cursor: Cursor, kernelsSource: SourceSpec | undefined): SelftestsConfig {
  cursor.keys(['enabled', 'suite', 'lists', 'source', 'testProgs', 'veristat', 'files']);
  const source = cursor.at('source');
  return {
    enabled: cursor.at('enabled').boolean({ default: DEFAULTS.selftests.enabled }),
    suite: cursor.at('suite').string({ default: DEFAULTS.selftests.suite }),
    lists: cursor.at('lists').string({ default: DEFAULTS.selftests.lists }),
    source: source.isMissing() && kernelsSource ? kernelsSource : parseSource(source),
    testProgs: cursor.at('testProgs').boolean({ default: DEFAULTS.selftests.testProgs }),
    veristat: cursor.at('veristat').boolean({ default: DEFAULTS.selftests.veristat }),
    files: cursor.at('files').isMissing() ? undefined : cursor.at('files').stringList({ default: [] }),
  };
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
  cursor.keys(['enabled', 'program', 'sizes', 'variants', 'samples', 'warmup', 'lookups', 'repeat', 'seed', 'precision']);
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
    ...parseBenchPrecision(cursor.at('precision')),
  };
}

// precision: true (the defaults), false, or {halfWidthPercent, budgetSec, maxSamples} with the others defaulted.
function parseBenchPrecision(cursor: Cursor): Pick<BenchConfig, 'precision'> {
  if (cursor.isMissing()) return {};
  if (cursor.isScalar()) return cursor.boolean() ? { precision: { ...DEFAULTS.bench.precision } } : {};
  cursor.keys(['halfWidthPercent', 'budgetSec', 'maxSamples']);
  const defaults = DEFAULTS.bench.precision;
  return {
    precision: {
      halfWidthPercent: cursor.at('halfWidthPercent').number({ default: defaults.halfWidthPercent, min: 0.1, max: 100 }),
      budgetSec: cursor.at('budgetSec').number({ default: defaults.budgetSec, min: 1, max: 86_400 }),
      maxSamples: cursor.at('maxSamples').number({ default: defaults.maxSamples, integer: true, min: MIN_SAMPLES, max: 10_000 }),
    },
  };
}

function parseOutput(cursor: Cursor): OutputConfig {
  cursor.keys(['dir']);
  return { dir: cursor.at('dir').string({ default: DEFAULTS.output.dir }) };
}

function parseCompare(cursor: Cursor): CompareConfig {
  cursor.keys(['slowdownPercent', 'alpha']);
  return {
    slowdownPercent: cursor.at('slowdownPercent').number({ default: DEFAULTS.compare.slowdownPercent, min: 0, max: 1000 }),
    alpha: cursor.at('alpha').number({ default: DEFAULTS.compare.alpha, min: 0.0001, max: 0.5 }),
  };
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
  checkBenchPrecision(bench.at('precision'), config);
  if (!config.verify.enabled && !config.bench.enabled && !config.selftests.enabled) root.fail('verify, bench or selftests enabled', 'Set verify.enabled or bench.enabled to true.');
  config.targets.forEach((target) => {
    if (target.kind === 'local' || !target.kernel || !('variant' in target.kernel)) return;
    const item = TARGET_SOURCE.get(target)!;
    const at = item.at('kernel').at('variant');
    if (target.kind === 'machine' && !target.machine.arch) {
      item.at('kernel').fail(`an arch: on machine ${target.machine.name} (${target.machine.file}), to build the kernel for`, `Add "arch: x86_64" or "arch: arm64" to machine ${target.machine.name}.`);
    }
    const kernels = config.kernels;
    if (!kernels) return at.fail('a variant of the kernels: section', 'Add a kernels: section (see config/ab.yaml) or use debianPackage.');
    const names = kernels.variants.map((variant) => variant.name);
    if (!names.includes(target.kernel.variant)) at.fail(`one of the kernel variants ${names.join(', ')}`, `Use one of: ${names.join(', ')}.`);
  });
}

// The fixed samples always run, so a cap below them means nothing; budgets that outlast the agent's time limit end as a hang.
function checkBenchPrecision(cursor: Cursor, config: RunConfig): void {
  const precision = config.bench.precision;
  if (!precision || !config.bench.enabled) return;
  const at = (key: string) => (cursor.isScalar() ? cursor : cursor.at(key));
  if (precision.maxSamples < config.bench.samples) {
    at('maxSamples').fail(`maxSamples >= bench.samples (${config.bench.samples}): the fixed samples always run`, `Use maxSamples: ${config.bench.samples} or more, or lower bench.samples.`);
  }
  const total = precision.budgetSec * config.bench.sizes.length;
  for (const target of config.targets) {
    const limit = target.kind === 'qemu' ? target.execTimeoutSec : target.kind === 'machine' ? target.machine.execTimeoutSec : undefined;
    if (!target.bench || limit === undefined || total < limit) continue;
    at('budgetSec').fail(
      `a budget whose total over the ${config.bench.sizes.length} sizes (${total} s) stays below target ${target.name}'s execTimeoutSec (${limit} s)`,
      `Use budgetSec: ${Math.max(1, Math.floor((limit * 0.8) / config.bench.sizes.length))} or less, or raise execTimeoutSec.`,
    );
  }
}
