// Which runner a shard needs: a lab machine is reached only from a self-hosted runner carrying that machine's labels.
import { RUNNER_LABEL } from '../config/ci-config.js';
import type { MachineInventory } from '../config/machines.js';
import type { RunConfig, TargetConfig } from '../config/run-config.js';
import { ExitCode, KptrlabError } from '../util/errors.js';

/** The inventory's labels for a machine target's machine; refused when no label could pick a runner that reaches it. */
export function machineLabels(target: TargetConfig & { kind: 'machine' }, inventory: MachineInventory, inventoryFile: string): string[] {
  const name = target.machine.name;
  const spec = inventory.get(name);
  if (!spec) {
    throw new KptrlabError('CI_MACHINE_UNKNOWN', `target ${target.name} uses machine ${name}, which is not in the inventory ${inventoryFile}`, { hint: `Add ${name} to ${inventoryFile} with the labels of the lab runner that reaches it, or pass the inventory the config uses.`, exitCode: ExitCode.usage });
  }
  if (spec.labels.length === 0) {
    throw new KptrlabError('CI_MACHINE_UNLABELLED', `machine ${name} (${spec.file}) has no labels: any self-hosted runner could take target ${target.name}, also one that cannot reach it`, { hint: `Add e.g. "labels: [lab-${name}]" to machine ${name} and register the lab runner that reaches it with the same labels (docs/ci-github.md).`, exitCode: ExitCode.usage });
  }
  const bad = spec.labels.find((label) => !RUNNER_LABEL.test(label));
  if (bad !== undefined) {
    throw new KptrlabError('CI_LABEL_INVALID', `machine ${name} (${spec.file}) has the label "${bad}", which a runner cannot carry in runs-on (no spaces, commas or \${{ }})`, { hint: 'Use labels of letters, digits and "._:+-".', exitCode: ExitCode.usage });
  }
  return spec.labels;
}

/**
 * runs-on for a shard's targets: [self-hosted, the union of their machines' labels] when one is a lab machine (its QEMU
 * and local targets run on that lab runner too), else the config's ci.runsOn. A union asks for one runner with all labels.
 */
export function shardRunsOn(targets: readonly TargetConfig[], config: RunConfig, inventory: MachineInventory, inventoryFile: string): string[] {
  const labels = targets.flatMap((target) => (target.kind === 'machine' ? machineLabels(target, inventory, inventoryFile) : []));
  if (!targets.some((target) => target.kind === 'machine')) return [...config.ci.runsOn];
  return ['self-hosted', ...new Set(labels.filter((label) => label !== 'self-hosted'))];
}
