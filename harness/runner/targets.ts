// Turns a target config into a ready-to-boot Target: builds or reuses its kernel first.
import type { RunConfig, TargetConfig } from '../config/run-config.js';
import { buildKernel, type KernelBuildResult } from '../kernel/build.js';
import type { KernelEvent } from '../kernel/events.js';
import { variantRequest } from '../kernel/kernel-config.js';
import { arm64DebianKernel } from '../qemu/arm64-distro-kernel.js';
import { arm64Rootfs } from '../qemu/arm64-rootfs.js';
import { debianBootableKernel } from '../qemu/distro-boot.js';
import { LocalTarget } from '../targets/local.js';
import { MachineTarget } from '../targets/machine.js';
import { QemuTarget } from '../targets/qemu.js';
import type { Target } from '../targets/target.js';
import { readFileSync } from 'node:fs';
import { version } from 'node:os';
import { basename, join } from 'node:path';
import { entryFiles } from '../kernel/entry.js';
import type { Provenance } from '../results/model.js';
import type { Arch } from '../util/arch.js';
import { ExitCode, KptrlabError } from '../util/errors.js';
import type { EventBus } from './events.js';

export type KernelProvenance = Omit<Provenance['kernel'], 'release'>;

/** The Target for one config entry, and where its kernel came from; kernels are built (or taken from the cache) here, before any boot. */
export async function prepareTarget(config: RunConfig, target: TargetConfig, bus: EventBus): Promise<{ target: Target; kernel: KernelProvenance }> {
  if (target.kind === 'local') return { target: new LocalTarget(target.name), kernel: { source: `running kernel ${version()}` } };
  const stage = (text: string) => bus.emit({ type: 'stage', target: target.name, stage: text });
  if (target.kind === 'machine') {
    // The machine's health is kept under its inventory name: a label pick's target name differs.
    const options = { ...target.machine, name: target.name, machineName: target.machine.name, tune: target.tune };
    if (!target.kernel) return { target: new MachineTarget(options, stage), kernel: { source: 'running kernel of the machine' } };
    if (!target.machine.arch) throw new KptrlabError('CONFIG_INVALID', `${target.name}: kernel variant for a machine without arch:`, { exitCode: ExitCode.usage });
    const { built, provenance } = await buildVariant(config, target.name, target.kernel.variant, target.machine.arch, stage);
    const kernel = { variant: target.kernel.variant, image: built.image, vmlinux: built.vmlinux, append: target.kernel.append };
    return { target: new MachineTarget({ ...options, kernel }, stage), kernel: provenance };
  }
  let kernel: { image: string; btfPath?: string; release?: string };
  let initrd: string | undefined;
  let provenance: KernelProvenance;
  if ('variant' in target.kernel) {
    const variant = await buildVariant(config, target.name, target.kernel.variant, target.arch, stage);
    kernel = { image: variant.built.image, btfPath: variant.built.vmlinux };
    provenance = variant.provenance;
  } else {
    stage(`kernel ${target.kernel.debianPackage}: download and initramfs`);
    // arm64: the host's apt knows no arm64 packages, and the initramfs needs the image's arm64 busybox.
    const distro = target.arch === 'arm64'
      ? await arm64DebianKernel(await arm64Rootfs(), target.kernel.debianPackage)
      : await debianBootableKernel(target.kernel.debianPackage);
    kernel = { image: distro.image, release: distro.release };
    initrd = distro.initrd;
    provenance = { source: `debian:${target.kernel.debianPackage}` };
  }
  const qemu = new QemuTarget({
    name: target.name,
    arch: target.arch,
    kernel,
    initrd,
    cpus: target.cpus,
    memoryMiB: target.memoryMiB,
    accel: target.accel,
    icount: target.icount,
    bootTimeoutMs: target.bootTimeoutSec * 1000,
    execTimeoutMs: target.execTimeoutSec * 1000,
    onEvent: (event) => {
      if (event.type === 'vm-accel') stage(`accelerator ${event.accel}: ${event.reason}`);
      if (event.type === 'vm-ready') stage(`booted in ${(event.bootMs / 1000).toFixed(1)} s`);
      if (event.type === 'vm-stale') stage(`stale VM pid ${event.pid} from an earlier run ${event.killed ? 'killed' : 'found'}`);
    },
  });
  return { target: qemu, kernel: provenance };
}

/** Builds (or takes from the cache) one variant of the config's kernels: section, for a QEMU guest or a lab machine. */
async function buildVariant(config: RunConfig, targetName: string, variant: string, arch: Arch, stage: (text: string) => void): Promise<{ built: KernelBuildResult; provenance: KernelProvenance }> {
  if (!config.kernels) throw new KptrlabError('CONFIG_INVALID', `${targetName}: kernel variant without a kernels: section`, { exitCode: ExitCode.usage });
  stage(`kernel ${variant} ${arch}: build or reuse`);
  const built = await buildKernel(variantRequest(config.kernels, variant, arch), (event) => forwardKernelEvent(event, stage));
  return { built, provenance: builtKernelProvenance(built.dir, built.key, variant, config.kernels.patches) };
}

/** A built kernel's source id and what the build did with each patch of the config's series (from the entry's meta.json). */
export function builtKernelProvenance(dir: string, key: string, variant: string, seriesPatches: readonly string[]): KernelProvenance {
  const meta = JSON.parse(readFileSync(join(dir, entryFiles.meta), 'utf8')) as { source?: { id?: string }; series?: Array<{ patch: string; reverse: boolean; sha256?: string }> };
  const ops = meta.series ?? [];
  const patches = seriesPatches.map((patch) => {
    const op = ops.find((candidate) => candidate.patch === basename(patch));
    return { patch: basename(patch), state: op ? (op.reverse ? 'reversed' as const : 'applied' as const) : 'in-source' as const, ...(op?.sha256 ? { sha256: op.sha256 } : {}) };
  });
  return { source: meta.source?.id ?? 'unknown', cacheKey: key, variant, patches };
}

// Only stage changes and the outcome reach the run's log; per-file progress stays with `kptrlab kernel`.
function forwardKernelEvent(event: KernelEvent, stage: (text: string) => void): void {
  if (event.kind === 'stage') stage(`kernel: ${event.message}`);
  else if (event.kind === 'cache-hit') stage(`kernel: cache hit ${event.dir}`);
  else if (event.kind === 'built') stage(`kernel: built in ${(event.durationMs / 1000).toFixed(0)} s`);
  else if (event.kind === 'failed') stage(`kernel: build failed: ${event.firstError ?? event.message}${event.logPath ? ` (log ${event.logPath})` : ''}`);
}
