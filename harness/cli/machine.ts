// `kptrlab machine list|check|clean`: the lab inventory, what a machine lacks for the agent, and removing kptrlab's folder there.
import { parseArgs } from 'node:util';
import { readInventoryFile, type MachineInventory, type MachineSpec } from '../config/machines.js';
import { loadRunConfig } from '../config/load.js';
import { MachineTarget } from '../targets/machine.js';
import { readHealth } from '../targets/machine-health.js';
import { ExitCode, KptrlabError } from '../util/errors.js';
import { runSubcommand } from './subcommands.js';

const USAGE = `usage: kptrlab machine <list|check|clean> [NAME] (--machines FILE | --config RUN.yaml)

  list                 the machines of the inventory: address, user, pinned host key, labels, BAD health
  check NAME           connect (pinned host key only), then what the agent needs: arch, root, Node.js,
                       flock, timeout, BTF, the cache folder; when all is there, ship the agent and run it once
                       (and mark a machine that was marked bad good again).
                       Exit 0 ready, 1 something missing (each with its fix), 69 no connection
  clean NAME           remove kptrlab's cache folder on the machine (refused while a job runs there)

  The inventory: an inventory file (--machines, see docs/lab-machines.md) or a run config's machines: (--config).
`;

const OPTIONS = { machines: { type: 'string' }, config: { type: 'string' } } as const;

/** Runs a machine subcommand. */
export async function machineCommand(argv: string[]): Promise<number> {
  return runSubcommand('machine', USAGE, { list: listCommand, check: checkCommand, clean: cleanCommand }, argv);
}

function inventoryOf(values: { machines?: string; config?: string }): MachineInventory {
  if (values.machines) return readInventoryFile(values.machines);
  if (values.config) return loadRunConfig(values.config).machines;
  throw new KptrlabError('USAGE', 'no inventory: pass --machines FILE or --config RUN.yaml', { hint: 'kptrlab machine check lab1 --machines config/machines.yaml', exitCode: ExitCode.usage });
}

function machineNamed(argv: string[]): MachineSpec {
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  const inventory = inventoryOf(values);
  const name = positionals[0];
  if (!name || positionals.length > 1) throw new KptrlabError('USAGE', 'name one machine', { hint: `Known: ${[...inventory.keys()].join(', ') || 'none'}.`, exitCode: ExitCode.usage });
  const spec = inventory.get(name);
  if (!spec) throw new KptrlabError('USAGE', `no machine "${name}" in the inventory`, { hint: `Known: ${[...inventory.keys()].join(', ') || 'none'}.`, exitCode: ExitCode.usage });
  return spec;
}

async function listCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: OPTIONS, strict: true });
  for (const spec of inventoryOf(values).values()) {
    const pin = 'fingerprints' in spec.hostKeys ? spec.hostKeys.fingerprints.join(', ') : `known_hosts ${spec.hostKeys.knownHosts}`;
    const health = readHealth(spec.name);
    const marked = health.health === 'bad' ? `  BAD since ${health.at}: ${health.reason}` : '';
    process.stdout.write(`${spec.name}  ${spec.user}@${spec.host}:${spec.port}  ${pin}  labels [${spec.labels.join(', ')}]${marked}\n`);
  }
  return ExitCode.ok;
}

async function checkCommand(argv: string[]): Promise<number> {
  const spec = machineNamed(argv);
  const target = new MachineTarget(spec);
  try {
    const checks = await target.check();
    for (const check of checks) {
      process.stdout.write(`${check.ok ? 'ok     ' : 'MISSING'}  ${check.check.padEnd(13)} ${check.detail}\n`);
      if (!check.ok && check.fix) process.stdout.write(`         ${''.padEnd(13)} fix: ${check.fix}\n`);
    }
    const missing = checks.filter((check) => !check.ok).length;
    process.stdout.write(missing ? `${spec.name}: ${missing} thing(s) missing\n` : `${spec.name}: ready\n`);
    return missing ? ExitCode.testsFailed : ExitCode.ok;
  } finally {
    await target.teardown();
  }
}

async function cleanCommand(argv: string[]): Promise<number> {
  const spec = machineNamed(argv);
  const removed = await new MachineTarget(spec).clean();
  process.stdout.write(`${spec.name}: removed ${removed}\n`);
  return ExitCode.ok;
}
