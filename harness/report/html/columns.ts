// The report's columns: every target of every run, labelled machine × kernel × arch with its accelerator.
import type { RunResults, TargetResult } from '../../results/model.js';
import type { Accelerator, TimeUnit } from '../../results/vocab.js';

export interface Column {
  /** Unique over the report (a target name may repeat across runs). */
  key: string;
  /** The target's name, with its run id when the report holds several runs. */
  name: string;
  run: RunResults;
  target: TargetResult;
  machine: string;
  kernel: string;
  arch: string;
  accelerator: Accelerator;
  unit: TimeUnit;
}

/** Where the target ran: the machine's host name, and the emulated machine for a VM. */
export function machineOf(target: TargetResult): string {
  const machine = target.provenance?.machine;
  if (!machine) return target.target.kind === 'local' ? 'this host' : 'unknown machine';
  return machine.guest ? `${machine.hostname} / ${machine.guest}` : machine.hostname;
}

/** The kernel a target ran: release, and the built variant when there is one. */
export function kernelOf(target: TargetResult): string {
  const variant = target.provenance?.kernel?.variant;
  return variant ? `${target.target.kernelRelease} (${variant})` : target.target.kernelRelease;
}

export function columnsOf(runs: readonly RunResults[]): Column[] {
  return runs.flatMap((run, runIndex) =>
    run.targets.map((target) => ({
      key: `${runIndex}:${target.target.name}`,
      name: runs.length > 1 ? `${target.target.name} @ ${run.run.id}` : target.target.name,
      run,
      target,
      machine: machineOf(target),
      kernel: kernelOf(target),
      arch: target.target.arch,
      accelerator: target.target.accelerator,
      unit: target.bench?.unit ?? target.target.timeUnit,
    })),
  );
}

/** "tcg, icount-ns": how the column's figures were measured, shown wherever they are. */
export function measuredText(column: Pick<Column, 'accelerator' | 'unit'>): string {
  return `${column.accelerator}, ${column.unit}`;
}
