// The `kernels:` section of a run config (config/ab.yaml): source, patch series, config fragments, variants.
import { readFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { Cursor } from '../util/yaml-cursor.js';
import { ARCHES, type Arch } from '../util/arch.js';
import { ExitCode, KptrlabError } from '../util/errors.js';
import { projectRoot } from '../util/paths.js';
import type { KernelBuildRequest } from './build.js';
import type { PatchOp } from './series.js';
import type { SourceSpec } from './source.js';

/** One named variant: which series patches are reversed, which extra patches applied, debug or not. */
export interface KernelVariant {
  name: string;
  reverse: string[];
  apply: string[];
  debug: boolean;
  /** Config fragments of this variant only, merged after the arch's (e.g. what a lab machine's disk needs). */
  fragments: string[];
  description: string | undefined;
}

/** The parsed `kernels:` section, paths made absolute. */
export interface KernelsConfig {
  file: string;
  source: SourceSpec;
  seriesDir: string;
  patches: string[];
  fragments: string[];
  archFragments: Record<Arch, string[]>;
  debugFragment: string | undefined;
  variants: KernelVariant[];
  /** (variant, arch) pairs built by default (`kernels.build`). */
  defaultBuilds: Array<{ variant: string; arch: Arch }>;
}

const sourceKinds = ['debian', 'git', 'dir', 'tarball'] as const;

/** Reads `file` and parses its `kernels:` section (other top-level sections belong to other commands). */
export function loadKernelsConfig(file: string): KernelsConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new KptrlabError('CONFIG_NOT_FOUND', `cannot read config ${file}`, { hint: 'Pass an existing file, e.g. --config config/ab.yaml.', cause: error, exitCode: ExitCode.usage });
  }
  return parseKernelsSection(relative(process.cwd(), file) || file, text);
}

/** Parses the `kernels:` section of YAML text into typed settings with defaults, then checks cross-field rules. */
export function parseKernelsSection(file: string, text: string): KernelsConfig {
  const root = Cursor.root(file, text).at('kernels');
  if (root.isMissing()) root.fail('a kernels: section', 'Add a kernels: section (see config/ab.yaml in the project).');
  root.keys(['source', 'series', 'fragments', 'archFragments', 'debugFragment', 'variants', 'build']);
  const series = root.at('series');
  series.keys(['dir', 'patches']);
  const seriesDir = absolute(series.at('dir').string({ default: 'config/patches/kptr-nonown' }));
  const patches = series.at('patches').stringList({ default: [] });
  const archCursor = root.at('archFragments');
  archCursor.keys(ARCHES);
  const archFragments = Object.fromEntries(ARCHES.map((arch) => [arch, archCursor.at(arch).stringList({ default: [`config/kernel/${arch}.config`] }).map(absolute)])) as Record<Arch, string[]>;
  const debug = root.at('debugFragment').optionalString();
  const variantsCursor = root.at('variants');
  const variants = variantsCursor.entries().map(([name, cursor]) => parseVariant(name, cursor, patches));
  if (variants.length === 0) variantsCursor.fail('at least one variant', 'Add e.g. "variants: { patched: {} }".');
  const defaultBuilds = parseDefaultBuilds(root.at('build'), variants);
  return {
    file,
    source: parseSource(root.at('source')),
    seriesDir,
    patches,
    fragments: root.at('fragments').stringList({ default: ['config/kernel/base.config'] }).map(absolute),
    archFragments,
    debugFragment: debug === undefined ? undefined : absolute(debug),
    variants,
    defaultBuilds,
  };
}

// What `kptrlab kernel build` builds when no --variant/--arch is given; default: non-debug variants for x86_64.
function parseDefaultBuilds(cursor: Cursor, variants: KernelVariant[]): Array<{ variant: string; arch: Arch }> {
  if (cursor.isMissing()) return variants.filter((v) => !v.debug).map((v) => ({ variant: v.name, arch: 'x86_64' as const }));
  cursor.keys(ARCHES);
  const names = variants.map((v) => v.name);
  return ARCHES.flatMap((arch) =>
    cursor.at(arch).list().map((item) => ({ variant: item.oneOf(names), arch })),
  );
}

/** A `source:` mapping (kind debian|git|dir|tarball); defaults to Debian linux-source-7.3 from trixie-backports. */
export function parseSource(cursor: Cursor): SourceSpec {
  const kind = cursor.at('kind').oneOf(sourceKinds, 'debian');
  switch (kind) {
    case 'debian':
      cursor.keys(['kind', 'package', 'suite']);
      return { kind, package: cursor.at('package').string({ default: 'linux-source-7.3' }), suite: cursor.at('suite').string({ default: 'trixie-backports' }) };
    case 'git':
      cursor.keys(['kind', 'url', 'ref']);
      return { kind, url: cursor.at('url').string(), ref: cursor.at('ref').string({ default: 'HEAD' }) };
    case 'dir':
    case 'tarball':
      cursor.keys(['kind', 'path']);
      return { kind, path: absolute(cursor.at('path').string()) };
  }
}

function parseVariant(name: string, cursor: Cursor, patches: readonly string[]): KernelVariant {
  cursor.keys(['reverse', 'apply', 'debug', 'fragments', 'description']);
  const reverseCursor = cursor.at('reverse');
  const reverse = reverseCursor.stringList({ default: [] });
  for (const [index, patch] of reverse.entries()) {
    if (!patches.includes(patch)) reverseCursor.list()[index]?.fail(`a patch listed in kernels.series.patches (${patches.join(', ')})`, 'Name the patch file exactly as in series.patches.');
  }
  return {
    name,
    reverse,
    apply: cursor.at('apply').stringList({ default: [] }).map(absolute),
    debug: cursor.at('debug').boolean({ default: false }),
    fragments: cursor.at('fragments').stringList({ default: [] }).map(absolute),
    description: cursor.at('description').optionalString(),
  };
}

function absolute(path: string): string {
  return isAbsolute(path) ? path : join(projectRoot, path);
}

/** The build request for one variant on one arch: series patches reversed last-first, then extra patches. */
export function variantRequest(config: KernelsConfig, variantName: string, arch: Arch): KernelBuildRequest {
  const variant = config.variants.find((v) => v.name === variantName);
  if (!variant) {
    throw new KptrlabError('KERNEL_UNKNOWN_VARIANT', `no kernel variant "${variantName}" in ${config.file}`, {
      hint: `Use one of: ${config.variants.map((v) => v.name).join(', ')}.`,
      exitCode: ExitCode.usage,
    });
  }
  const reversed = config.patches.filter((p) => variant.reverse.includes(p)).reverse();
  const ops: PatchOp[] = [
    ...reversed.map((p) => ({ patch: join(config.seriesDir, p), reverse: true })),
    ...variant.apply.map((patch) => ({ patch, reverse: false })),
  ];
  const fragments = [...config.fragments, ...config.archFragments[arch], ...variant.fragments];
  if (variant.debug) {
    if (!config.debugFragment) {
      throw new KptrlabError('KERNEL_NO_DEBUG_FRAGMENT', `variant ${variant.name} asks for debug but ${config.file} has no kernels.debugFragment`, {
        hint: 'Add "debugFragment: config/kernel/debug.config" to the kernels: section.',
        exitCode: ExitCode.usage,
      });
    }
    fragments.push(config.debugFragment);
  }
  return { variant: variant.name, source: config.source, arch, ops, fragments };
}
