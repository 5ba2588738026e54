// The lab, described once: a machines: inventory (inline in a run config or its own file) that machine targets pick from.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pinFingerprint, type MachineAddress, type MachinePower } from '../ssh/known-hosts.js';
import { ARCHES, type Arch } from '../util/arch.js';
import { ExitCode, KptrlabError } from '../util/errors.js';
import { Cursor } from '../util/yaml-cursor.js';

export interface MachineSpec extends MachineAddress {
  name: string;
  labels: string[];
  /** Declared arch, checked against uname -m at connect; omitted: whatever the machine reports. */
  arch?: Arch;
  /** Node.js on the machine (argv[0]: a name on its PATH or an absolute path). */
  node: string;
  /** kptrlab's only folder on the machine (relative: under the user's home); `kptrlab machine clean` removes it. */
  cacheDir: string;
  execTimeoutSec: number;
  /** A kexec'd kernel must answer SSH within this, else it failed to boot (and the machine is power-cycled). */
  bootTimeoutSec: number;
  /** Power control, run on this host (argv, like LAVA's device dictionary); reboot runs on the machine. */
  power: MachinePower;
  /** Run on this host while a kernel boots: its output (the serial console) is kept when the kernel does not come up. */
  console?: string[];
  /** How a LAVA lab runs this machine (`kptrlab ci lava`); absent: the machine gets no LAVA job. */
  lava?: LavaDevice;
  /** Where the entry was read, for error messages. */
  file: string;
}

export type MachineInventory = Map<string, MachineSpec>;

/** The LAVA boot flows `kptrlab ci lava` writes: kexec from the running system, or a board's boot loader over TFTP. */
export const LAVA_BOOTS = ['kexec', 'u-boot', 'grub'] as const;
export type LavaBoot = (typeof LAVA_BOOTS)[number];

/** A machine as a LAVA lab knows it: power and serial are in the lab's device dictionary, only the job's choices are here. */
export interface LavaDevice {
  deviceType: string;
  boot: LavaBoot;
  /** Shell prompts of the booted system (LAVA waits for one after each boot). */
  prompts: string[];
  /** Root filesystem (a tarball URL) the board's kernel mounts over NFS: u-boot and grub only. */
  nfsrootfs?: string;
  /** Device tree blob URL for the board (u-boot only, when its kernel needs one). */
  dtb?: string;
  /** LAVA device tags the job asks for (picks one board of the type). */
  tags: string[];
  /** A system that boots to a login prompt: LAVA logs in (its auto_login). */
  login?: { prompt: string; username: string; passwordPrompt?: string; password?: string };
}

const MACHINE_KEYS = ['host', 'port', 'user', 'identity', 'hostKey', 'knownHosts', 'labels', 'arch', 'node', 'cacheDir', 'connectTimeoutSec', 'execTimeoutSec', 'bootTimeoutSec', 'power', 'console', 'lava'] as const;
export const MACHINE_DEFAULTS = { port: 22, user: 'root', node: 'node', cacheDir: '.cache/kptrlab', connectTimeoutSec: 20, execTimeoutSec: 1800, bootTimeoutSec: 300, reboot: ['reboot'], resetTimeoutSec: 60 } as const;

/** An inventory file named on the command line (`flag`): read and parsed; a file that cannot be read is a usage error. */
export function readInventoryFile(file: string, flag = '--machines'): MachineInventory {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new KptrlabError('USAGE', `${flag} ${file}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`, { hint: 'Pass an existing machine inventory file (docs/lab-machines.md shows one).', exitCode: ExitCode.usage });
  }
  return parseInventoryFile(file, text);
}

/** The machines: key of a run config: a mapping of entries, or the path of an inventory file (relative to the config) holding one. */
export function parseMachinesKey(cursor: Cursor): MachineInventory {
  if (cursor.isMissing()) return new Map();
  if (!cursor.isScalar()) return parseEntries(cursor, dirname(resolve(cursor.file)));
  const file = resolvePath(cursor.string(), dirname(resolve(cursor.file)));
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return cursor.fail('an inventory file that exists', `Create ${file} (see docs/lab-machines.md) or fix the path (${(error as NodeJS.ErrnoException).code ?? 'unreadable'}).`);
  }
  return parseInventoryFile(file, text);
}

/** An inventory file: `machines: {name: {host, ...}}`. */
export function parseInventoryFile(file: string, text: string): MachineInventory {
  const root = Cursor.root(file, text);
  root.keys(['schemaVersion', 'machines']);
  if (root.at('machines').isMissing()) root.at('machines').fail('a mapping of machine names to entries', 'Add "machines: {lab1: {host: ..., identity: ..., hostKey: ...}}".');
  return parseEntries(root.at('machines'), dirname(resolve(file)));
}

function parseEntries(cursor: Cursor, base: string): MachineInventory {
  const inventory: MachineInventory = new Map();
  for (const [name, entry] of cursor.entries()) {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) entry.fail('a machine name of letters, digits, ".", "_" and "-"', `Rename "${name}".`);
    inventory.set(name, parseMachine(name, entry, base));
  }
  return inventory;
}

function parseMachine(name: string, entry: Cursor, base: string): MachineSpec {
  entry.keys(MACHINE_KEYS);
  const hostKey = entry.at('hostKey');
  const knownHosts = entry.at('knownHosts');
  if (hostKey.isMissing() === knownHosts.isMissing()) {
    entry.fail('exactly one of hostKey or knownHosts', 'Pin the host key: hostKey: "SHA256:..." (on the machine: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub), or knownHosts: <file>. kptrlab does not trust a first connection to a real machine.');
  }
  const pins = hostKey.isMissing() ? [] : hostKey.isScalar() ? [hostKey] : hostKey.list();
  const fingerprints = pins.map((pin) => pinFingerprint(pin.string()) ?? pin.fail('a SHA256:... fingerprint or an OpenSSH public key line ("ssh-ed25519 AAAA...")', 'Copy the output of ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub (the SHA256:... part) from the machine.'));
  const cacheDir = entry.at('cacheDir').string({ default: MACHINE_DEFAULTS.cacheDir });
  // The cache folder is removed whole by `machine clean`: never the home folder itself or a system folder.
  if (cacheDir.split('/').filter(Boolean).length < (isAbsolute(cacheDir) ? 2 : 1) || cacheDir.split('/').includes('..')) {
    entry.at('cacheDir').fail('a folder of its own (e.g. .cache/kptrlab or /var/cache/kptrlab)', 'kptrlab removes this folder on `machine clean`: give it one that holds nothing else.');
  }
  return {
    name,
    host: entry.at('host').string(),
    port: entry.at('port').number({ default: MACHINE_DEFAULTS.port, integer: true, min: 1, max: 65535 }),
    user: entry.at('user').string({ default: MACHINE_DEFAULTS.user }),
    identity: resolvePath(entry.at('identity').string(), base),
    hostKeys: fingerprints.length ? { fingerprints } : { knownHosts: resolvePath(knownHosts.string(), base) },
    labels: entry.at('labels').stringList({ default: [] }),
    arch: entry.at('arch').isMissing() ? undefined : entry.at('arch').oneOf(ARCHES),
    node: entry.at('node').string({ default: MACHINE_DEFAULTS.node }),
    cacheDir,
    connectTimeoutSec: entry.at('connectTimeoutSec').number({ default: MACHINE_DEFAULTS.connectTimeoutSec, integer: true, min: 1 }),
    execTimeoutSec: entry.at('execTimeoutSec').number({ default: MACHINE_DEFAULTS.execTimeoutSec, integer: true, min: 5 }),
    bootTimeoutSec: entry.at('bootTimeoutSec').number({ default: MACHINE_DEFAULTS.bootTimeoutSec, integer: true, min: 10 }),
    power: parsePower(entry.at('power'), base),
    console: entry.at('console').isMissing() ? undefined : parseArgv(entry.at('console'), base),
    ...(entry.at('lava').isMissing() ? {} : { lava: parseLava(entry.at('lava')) }),
    file: entry.file,
  };
}

function parsePower(cursor: Cursor, base: string): MachinePower {
  cursor.keys(['hardReset', 'reboot', 'resetTimeoutSec']);
  return {
    hardReset: cursor.at('hardReset').isMissing() ? undefined : parseArgv(cursor.at('hardReset'), base),
    reboot: cursor.at('reboot').isMissing() ? [...MACHINE_DEFAULTS.reboot] : parseArgv(cursor.at('reboot')),
    resetTimeoutSec: cursor.at('resetTimeoutSec').number({ default: MACHINE_DEFAULTS.resetTimeoutSec, integer: true, min: 1 }),
  };
}

function parseLava(cursor: Cursor): LavaDevice {
  cursor.keys(['deviceType', 'boot', 'prompts', 'nfsrootfs', 'dtb', 'tags', 'login']);
  const boot = cursor.at('boot').oneOf(LAVA_BOOTS, 'kexec');
  const nfsrootfs = cursor.at('nfsrootfs').optionalString();
  // A board boots our kernel with no initramfs: it needs a root filesystem from the network.
  if (boot !== 'kexec' && nfsrootfs === undefined) cursor.at('nfsrootfs').fail(`a root filesystem tarball URL for boot: ${boot}`, 'Add nfsrootfs: https://.../rootfs.tar.xz (a Debian root with Node.js, see docs/ci-lava.md), or use boot: kexec on a machine that runs Linux already.');
  if (boot === 'kexec' && nfsrootfs !== undefined) cursor.at('nfsrootfs').fail('no nfsrootfs with boot: kexec (the kexec\'d kernel keeps the running system\'s root)', 'Remove nfsrootfs, or pick boot: u-boot or grub.');
  const dtb = cursor.at('dtb').optionalString();
  if (dtb !== undefined && boot !== 'u-boot') cursor.at('dtb').fail('dtb only with boot: u-boot', 'Remove dtb (grub and kexec pass none).');
  const prompts = cursor.at('prompts').stringList({ default: ['root@'] });
  if (prompts.length === 0 || prompts.some((prompt) => prompt === '')) cursor.at('prompts').fail('a non-empty list of non-empty prompts', 'List the shell prompt the booted system prints, e.g. [root@].');
  return {
    deviceType: cursor.at('deviceType').string(),
    boot,
    prompts,
    ...(nfsrootfs === undefined ? {} : { nfsrootfs }),
    ...(dtb === undefined ? {} : { dtb }),
    tags: cursor.at('tags').stringList({ default: [] }),
    ...(cursor.at('login').isMissing() ? {} : { login: parseLavaLogin(cursor.at('login')) }),
  };
}

// LAVA's auto_login: a prompt and a user, and a password only with its prompt.
function parseLavaLogin(cursor: Cursor): NonNullable<LavaDevice['login']> {
  cursor.keys(['prompt', 'username', 'passwordPrompt', 'password']);
  const prompt = cursor.at('prompt').string();
  if (prompt === '') cursor.at('prompt').fail('the login prompt the system prints, e.g. "login:"', 'LAVA waits for it before it sends the user name.');
  const passwordPrompt = cursor.at('passwordPrompt').optionalString();
  const password = cursor.at('password').optionalString();
  if ((passwordPrompt === undefined) !== (password === undefined)) cursor.fail('passwordPrompt and password together, or neither', 'Add the one that is missing, or remove both for a user without a password.');
  return { prompt, username: cursor.at('username').string({ default: 'root' }), ...(password !== undefined ? { passwordPrompt, password } : {}) };
}

// A command as an argument list, never a shell string; on this host a relative program path is the inventory's.
function parseArgv(cursor: Cursor, base?: string): string[] {
  if (cursor.isScalar()) cursor.fail('an argument list like [ipmitool, -H, bmc1, power, reset]', 'Write the command as a YAML list: kptrlab runs it without a shell.');
  const argv = cursor.stringList();
  if (argv.length === 0 || argv[0] === '') cursor.fail('a non-empty argument list', 'Name the program first, then its arguments.');
  if (base && (argv[0]!.startsWith('./') || argv[0]!.startsWith('../'))) argv[0] = resolve(base, argv[0]!);
  return argv;
}

function resolvePath(path: string, base: string): string {
  if (path === '~' || path.startsWith('~/')) return join(homedir(), path.slice(1));
  return resolve(base, path);
}

/** The machines a target picks: one by name, or every machine carrying all the labels; an unknown name lists the known ones. */
export function pickMachines(inventory: MachineInventory, pick: { machine?: string; labels?: string[] }): MachineSpec[] {
  if (pick.machine !== undefined) {
    const spec = inventory.get(pick.machine);
    if (!spec) {
      throw new KptrlabError('MACHINE_UNKNOWN', `no machine "${pick.machine}" in the inventory (known: ${[...inventory.keys()].join(', ') || 'none'})`, { hint: 'Add it under machines: (see docs/lab-machines.md) or fix the name.', exitCode: ExitCode.usage });
    }
    return [spec];
  }
  const labels = pick.labels ?? [];
  return [...inventory.values()].filter((spec) => labels.every((label) => spec.labels.includes(label)));
}
