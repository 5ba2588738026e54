// KCIDB I/O (schema v5.3) for KernelCI: a checkout per distinct kernel source + patch states, a build per target's
// kernel, a test per verifier case, selftest and benchmark cell, each with the target's environment.
import { createHash } from 'node:crypto';
import type { Provenance, RunResults, TargetResult } from '../results/model.js';
import { cellNumber, KCIDB_ORIGIN, KCIDB_STATUS, KCIDB_VERSION, kcidbArchitecture, kcidbId, logExcerpt, testPath, withoutNul, type KcidbStatus } from './kcidb-fields.js';
import { targetItems, type JudgedItem } from './test-items.js';

export interface KcidbCheckout {
  id: string;
  origin: string;
  tree_name?: string;
  patchset_hash?: string;
  comment?: string;
  start_time?: string;
  valid?: boolean;
  misc?: Record<string, unknown>;
}

export interface KcidbBuild {
  id: string;
  checkout_id: string;
  origin: string;
  architecture?: string;
  config_name?: string;
  comment?: string;
  start_time?: string;
  status?: KcidbStatus;
  misc?: Record<string, unknown>;
}

export interface KcidbTest {
  id: string;
  build_id: string;
  origin: string;
  path: string;
  status: KcidbStatus;
  comment?: string;
  log_excerpt?: string;
  start_time?: string;
  number?: { value: number; unit?: string; prefix?: 'metric' | 'binary' };
  environment: { comment: string; misc: Record<string, unknown> };
  misc: Record<string, unknown>;
}

export interface KcidbData {
  version: typeof KCIDB_VERSION;
  checkouts: KcidbCheckout[];
  builds: KcidbBuild[];
  tests: KcidbTest[];
}

/** One KCIDB document for one or more runs (KCIDB data merges by concatenation; every id carries its run). */
export function kcidbData(runs: readonly RunResults[]): KcidbData {
  const data: KcidbData = { version: KCIDB_VERSION, checkouts: [], builds: [], tests: [] };
  for (const results of runs) {
    for (const target of results.targets) {
      const checkout = checkoutOf(results, target);
      if (!data.checkouts.some((entry) => entry.id === checkout.id)) data.checkouts.push(checkout);
      const build = buildOf(results, target, checkout.id);
      data.builds.push(build);
      data.tests.push(...targetItems(target).map((item) => testOf(results, item, build.id)));
    }
  }
  return data;
}

/** The document as the file kptrlab writes. */
export function kcidbJson(runs: readonly RunResults[]): string {
  return `${JSON.stringify(kcidbData(runs), null, 2)}\n`;
}

type KernelProvenance = Provenance['kernel'];

function kernelOf(target: TargetResult): KernelProvenance {
  return target.provenance?.kernel ?? { release: target.target.kernelRelease, source: 'unknown' };
}

function checkoutOf(results: RunResults, target: TargetResult): KcidbCheckout {
  const kernel = kernelOf(target);
  const patches = kernel.patches ?? [];
  // Targets built from the same source with the same patch states share a checkout (x86_64 and arm64 of one variant).
  const key = JSON.stringify([kernel.source, patches.map((patch) => [patch.patch, patch.state, patch.sha256 ?? ''])]);
  const patchset = patchsetHash(patches);
  return {
    id: kcidbId(results.run.id, 'checkout', createHash('sha256').update(key).digest('hex').slice(0, 16)),
    origin: KCIDB_ORIGIN,
    tree_name: withoutNul(kernel.source),
    ...(patchset === undefined ? {} : { patchset_hash: patchset }),
    comment: withoutNul(patches.length ? `${kernel.source}; ${patches.map((patch) => `${patch.patch} ${patch.state}`).join(', ')}` : kernel.source),
    start_time: results.run.startedAt,
    valid: kernel.source !== 'unknown',
    misc: { source: kernel.source, patches },
  };
}

/** KCIDB's patchset hash over the applied patches ('' for none); undefined when a patch was reversed (no file of that diff exists). */
export function patchsetHash(patches: NonNullable<KernelProvenance['patches']>): string | undefined {
  if (patches.some((patch) => patch.state === 'reversed')) return undefined;
  const applied = patches.filter((patch) => patch.state === 'applied');
  if (applied.length === 0) return '';
  if (applied.some((patch) => !patch.sha256)) return undefined;
  return createHash('sha256').update(applied.map((patch) => `${patch.sha256}\n`).join('')).digest('hex');
}

function buildOf(results: RunResults, target: TargetResult, checkoutId: string): KcidbBuild {
  const kernel = kernelOf(target);
  const booted = target.target.kernelRelease !== 'unknown';
  return {
    id: kcidbId(results.run.id, target.target.name),
    checkout_id: checkoutId,
    origin: KCIDB_ORIGIN,
    architecture: kcidbArchitecture(target.target.arch),
    config_name: withoutNul(kernel.variant ?? (target.target.kind === 'local' ? 'running' : target.target.name)),
    comment: withoutNul(`kernel ${kernel.release ?? target.target.kernelRelease}${kernel.variant ? ` (variant ${kernel.variant})` : ''} for target ${target.target.name}, ${target.target.arch}`),
    start_time: results.run.startedAt,
    // A kernel that never answered (its target failed before it was ready) is no known-good build.
    status: booted ? 'PASS' : 'ERROR',
    misc: { target: target.target.name, release: kernel.release ?? target.target.kernelRelease, variant: kernel.variant, cacheKey: kernel.cacheKey, declaredSeries: target.provenance?.series.declared, probedLevel: target.capability?.level, libbpf: target.libbpf },
  };
}

const UNIT_MEANING: Record<TargetResult['target']['timeUnit'], string> = {
  ns: 'ns (real time)',
  'icount-ns': 'icount-ns (TCG instruction counting, not real time)',
  'tcg-ns': 'tcg-ns (emulated wall time, noise)',
};

function environmentOf(target: TargetResult): KcidbTest['environment'] {
  const info = target.target;
  const machine = target.provenance?.machine;
  const host = machine ? ` on ${machine.hostname} (${machine.cpu})` : '';
  return {
    comment: withoutNul(`${info.name}: ${machine?.guest ?? `${info.kind} ${info.arch}`}${host}; accelerator ${info.accelerator}${info.acceleratorReason ? ` (${info.acceleratorReason.split('\n')[0]})` : ''}; times in ${UNIT_MEANING[info.timeUnit]}`),
    misc: { target: info.name, kind: info.kind, arch: info.arch, accelerator: info.accelerator, acceleratorReason: info.acceleratorReason, timeUnit: info.timeUnit, kernelRelease: info.kernelRelease, machine },
  };
}

/** The test path of an item: bpf.verifier.<case>, bpf.selftests.<file>.<subtest>, bpf.bench.<variant>.<size>, bpf.target.<stage>.<code>. */
export function itemPath(item: JudgedItem): string {
  switch (item.kind) {
    case 'verifier':
      return item.group === 'compile' ? testPath('verifier', 'compile', item.name) : testPath('verifier', item.name);
    case 'selftest':
      return testPath('selftests', item.group, item.name);
    case 'bench':
      return testPath('bench', item.group, item.name);
    case 'target':
      return testPath('target', item.group, item.name);
  }
}

function testOf(results: RunResults, item: JudgedItem, buildId: string): KcidbTest {
  const number = item.cell ? cellNumber(item.cell) : undefined;
  const cell = item.cell;
  return {
    id: kcidbId(results.run.id, item.target.target.name, item.key),
    build_id: buildId,
    origin: KCIDB_ORIGIN,
    path: itemPath(item),
    status: KCIDB_STATUS[item.outcome],
    ...(item.message || item.output ? { comment: withoutNul(item.message ?? item.output!) } : {}),
    ...(item.detail ? { log_excerpt: logExcerpt(item.detail) } : {}),
    start_time: results.run.startedAt,
    ...(number ? { number } : {}),
    environment: environmentOf(item.target),
    misc: {
      kptrlabStatus: item.status,
      ...(item.output ? { output: withoutNul(item.output) } : {}),
      ...(cell?.perAccess ? { perAccess: cell.perAccess, unit: cell.unit, samplesUsed: cell.samplesUsed, ciHalfWidthPercent: cell.ciHalfWidthPercent } : {}),
    },
  };
}
