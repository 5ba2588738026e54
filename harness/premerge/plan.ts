// The pre-merge run: one kernel for the base and one per prefix of the series (base + patches 1..k), each a QEMU target
// (or a kexec on one lab machine) of one run, so every change can be pinned on the patch that made it. Patch files are stored by content: editing one
// patch changes the kernels from that patch on, and the builder's cache keeps the earlier ones.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MachineSpec } from '../config/machines.js';
import type { MachineTargetConfig, QemuTargetConfig, RunConfig } from '../config/run-config.js';
import type { KernelVariant } from '../kernel/kernel-config.js';
import type { SourceSpec } from '../kernel/source.js';
import type { Arch } from '../util/arch.js';
import { ExitCode, KptrlabError } from '../util/errors.js';
import type { SeriesPatch } from './series-input.js';

/** One kernel of the pre-merge run: the target's name and the patches it has on top of the base. */
export interface PremergeStep {
  target: string;
  /** Series indices applied (as sent: 1, 2, 4 when 3 was not in the input); empty for the base. */
  patches: number[];
  /** The patch this kernel adds over the previous step (undefined for the base). */
  adds?: SeriesPatch;
}

export interface PremergeOptions {
  /** The config's variant that is the base tree (its reversals and extra patches). */
  baseVariant: string;
  /** Build base and the whole series only. */
  onlyFinal: boolean;
  arch: Arch;
  /** Replaces the config's kernels.source (--tree). */
  tree?: SourceSpec;
  /** Run the benchmark on every kernel too. */
  bench: boolean;
  /** Boot every kernel on this lab machine (kexec, then back to its default) instead of QEMU; arch is the machine's. */
  machine?: MachineSpec;
  /** The tree's selftests on every kernel (files: the suite's globs to run, undefined for the whole suite), or none. */
  selftests: { files: string[] | undefined } | 'off';
}

/** Writes each patch under <store>/<its sha256>/ (a changed patch gets a new path, an unchanged one keeps its own). */
export function storePatches(patches: readonly SeriesPatch[], store: string): string[] {
  return patches.map((patch) => {
    const dir = join(store, createHash('sha256').update(patch.text).digest('hex').slice(0, 24));
    mkdirSync(dir, { recursive: true });
    const slug = patch.title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 52) || 'patch';
    const path = join(dir, `${String(patch.index).padStart(4, '0')}-${slug}.patch`);
    writeFileSync(path, patch.text);
    return path;
  });
}

/** The run config of a pre-merge run and its steps, in order: base, then base + each prefix (or only the whole series). */
export function premergePlan(config: RunConfig, patches: readonly SeriesPatch[], paths: readonly string[], options: PremergeOptions): { config: RunConfig; steps: PremergeStep[] } {
  const kernels = config.kernels;
  if (!kernels) throw new KptrlabError('PREMERGE_NO_KERNELS', `${config.file} has no kernels: section, so there is no base tree to build`, { hint: 'Use a config with kernels: (config/ab.yaml), or add one naming the base tree.', exitCode: ExitCode.usage });
  const base = kernels.variants.find((variant) => variant.name === options.baseVariant);
  if (!base) throw new KptrlabError('PREMERGE_NO_BASE', `no kernel variant "${options.baseVariant}" in ${config.file}`, { hint: `Pass --base with one of: ${kernels.variants.map((variant) => variant.name).join(', ')}.`, exitCode: ExitCode.usage });
  const prefixes = options.onlyFinal ? [patches.length] : patches.map((_, index) => index + 1);
  const steps: PremergeStep[] = [{ target: 'base', patches: [] }];
  const variants: KernelVariant[] = [{ ...base, name: 'premerge-base', description: `base tree: ${base.name}` }];
  let previous = 0;
  for (const count of prefixes) {
    const applied = patches.slice(0, count);
    const last = applied.at(-1)!;
    const target = `+${applied.map((patch) => patch.index).join(',')}`;
    variants.push({ ...base, name: `premerge-${count}`, apply: [...base.apply, ...paths.slice(0, count)], description: `base + patches ${applied.map((patch) => patch.index).join(', ')}` });
    steps.push({ target, patches: applied.map((patch) => patch.index), adds: count - previous === 1 ? last : undefined });
    previous = count;
  }
  const machine = options.machine;
  const targets: Array<QemuTargetConfig | MachineTargetConfig> = steps.map((step, index) => machine
    ? { name: step.target, kind: 'machine', machine, kernel: { variant: variants[index]!.name, append: [] }, bench: options.bench }
    : {
        name: step.target, kind: 'qemu', arch: options.arch, kernel: { variant: variants[index]!.name },
        cpus: 2, memoryMiB: 2048, accel: 'auto', icount: true, bootTimeoutSec: 300, execTimeoutSec: 1800, bench: options.bench,
      });
  return {
    config: {
      ...config,
      name: `premerge-${config.name}`,
      kernels: { ...kernels, source: options.tree ?? kernels.source, variants: [...kernels.variants, ...variants] },
      targets,
      machines: machine ? new Map([[machine.name, machine]]) : new Map(),
      bench: { ...config.bench, enabled: options.bench },
      selftests: options.selftests === 'off'
        ? { ...config.selftests, enabled: false }
        : {
            ...config.selftests,
            enabled: true,
            files: options.selftests.files,
            // Each kernel's tests come from its own tree: the base tree's source, with the kernel's patches (runner/target-run.ts).
            source: options.tree ?? kernels.source,
            // Judged by the tree's annotations; building the tree's test_progs per kernel is `kptrlab selftests`' cross-check.
            testProgs: false,
            veristat: true,
          },
    },
    steps,
  };
}
