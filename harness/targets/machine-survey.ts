// What a lab machine has of what the agent needs, asked over one SSH session: each check either passes or says how to fix it.
import { posix } from 'node:path';
import type { SshSession } from '../ssh/session.js';
import { cpuModel } from '../agent/environment-parse.js';
import { findArch, type Arch } from '../util/arch.js';

/** Oldest Node.js the agent bundle runs on (its build target). */
export const MIN_REMOTE_NODE_MAJOR = 18;

/** The arch kptrlab calls a machine's `uname -m`, or undefined for one it has no binding for. */
export function archFromUname(machine: string): Arch | undefined {
  return findArch('uname', machine.trim());
}

/** The cache folder as an absolute path on the machine (a relative cacheDir is under the login's home). */
export async function remoteCacheDir(session: SshSession, cacheDir: string): Promise<string> {
  if (posix.isAbsolute(cacheDir)) return cacheDir;
  const home = (await session.exec(['sh', '-c', 'printf %s "$HOME"'], { timeoutMs: 30_000 })).stdout.trim() || '/root';
  return posix.join(home, cacheDir);
}

/** The job lock's file in the cache folder (flock(1) on it; see MachineTarget). */
export function lockFileOf(cache: string): string {
  return posix.join(cache, 'lock');
}

export interface SurveyCheck {
  check: string;
  ok: boolean;
  /** What was found (a version, a path), or what is wrong. */
  detail: string;
  /** How to fix it, when not ok. */
  fix?: string;
}

export interface MachineSurvey {
  hostname: string;
  kernelRelease: string;
  /** undefined when kptrlab has no binding for the machine's arch. */
  arch: Arch | undefined;
  cpu: string;
  /** The cache folder as an absolute path on the machine. */
  cacheDir: string;
  checks: SurveyCheck[];
}

export interface SurveyOptions {
  arch?: Arch;
  node: string;
  cacheDir: string;
  /** A kernel is to be kexec'd: kexec-tools and a kernel that allows it are needed too. */
  kexec?: boolean;
}

/** Runs every check (none stops the others) and returns the facts the target needs. */
export async function surveyMachine(session: SshSession, options: SurveyOptions): Promise<MachineSurvey> {
  const run = async (argv: string[]) => session.exec(argv, { timeoutMs: 60_000 });
  const checks: SurveyCheck[] = [];
  const uname = await run(['uname', '-n', '-r', '-m']);
  const [hostname = 'unknown', kernelRelease = 'unknown', unameArch = 'unknown'] = uname.stdout.trim().split(/\s+/);
  const arch = archFromUname(unameArch);
  if (!arch) checks.push({ check: 'arch', ok: false, detail: `uname -m says ${unameArch}`, fix: 'kptrlab has bindings for x86_64 and arm64 only.' });
  else if (options.arch && options.arch !== arch) checks.push({ check: 'arch', ok: false, detail: `the inventory says ${options.arch}, the machine says ${arch}`, fix: 'Fix arch: in the inventory entry (or remove it: kptrlab reads it from the machine).' });
  else checks.push({ check: 'arch', ok: true, detail: arch });

  const uid = (await run(['id', '-u'])).stdout.trim();
  checks.push(uid === '0' ? { check: 'root', ok: true, detail: 'uid 0' } : { check: 'root', ok: false, detail: `logged in as uid ${uid}; loading BPF programs needs root`, fix: 'Set user: root in the inventory entry (with the identity key in /root/.ssh/authorized_keys).' });

  const node = await run([options.node, '-e', 'process.stdout.write(process.versions.node)']);
  const major = Number(/^(\d+)\./.exec(node.stdout)?.[1]);
  if (node.exitCode === 0 && major >= MIN_REMOTE_NODE_MAJOR) checks.push({ check: 'node', ok: true, detail: `Node.js ${node.stdout.trim()}` });
  else checks.push({ check: 'node', ok: false, detail: node.exitCode === 0 ? `Node.js ${node.stdout.trim()} is older than ${MIN_REMOTE_NODE_MAJOR}` : `\`${options.node}\` does not run (${(node.stderr.trim() || `exit ${node.exitCode}`).slice(0, 160)})`, fix: 'Install Node.js on the machine (Debian: apt-get install nodejs) or set node: to its path in the inventory entry.' });

  for (const tool of ['flock', 'timeout']) {
    const found = await run(['sh', '-c', 'command -v "$0"', tool]);
    checks.push(found.exitCode === 0 ? { check: tool, ok: true, detail: found.stdout.trim() } : { check: tool, ok: false, detail: `${tool} is not on the PATH`, fix: `Install ${tool === 'flock' ? 'util-linux' : 'coreutils'} on the machine.` });
  }

  const btf = await run(['test', '-r', '/sys/kernel/btf/vmlinux']);
  checks.push(btf.exitCode === 0 ? { check: 'btf', ok: true, detail: '/sys/kernel/btf/vmlinux' } : { check: 'btf', ok: false, detail: 'the running kernel has no /sys/kernel/btf/vmlinux', fix: 'Boot a kernel built with CONFIG_DEBUG_INFO_BTF=y (Debian kernels have it).' });

  if (options.kexec) {
    const kexec = await run(['sh', '-c', 'command -v kexec && cat /proc/sys/kernel/kexec_load_disabled 2>/dev/null || true']);
    const [path = '', disabled = '0'] = kexec.stdout.trim().split('\n');
    if (!path.startsWith('/')) checks.push({ check: 'kexec', ok: false, detail: 'kexec is not on the PATH', fix: 'Install kexec-tools on the machine (Debian: apt-get install kexec-tools).' });
    else if (disabled.trim() === '1') checks.push({ check: 'kexec', ok: false, detail: 'kernel.kexec_load_disabled is 1: the running kernel refuses kexec until it reboots', fix: 'Boot the machine without that sysctl set (it cannot be unset while running).' });
    else checks.push({ check: 'kexec', ok: true, detail: path });
  }

  const cacheDir = await remoteCacheDir(session, options.cacheDir);
  const made = await run(['mkdir', '-p', ...['agent', 'native', 'objects', ...(options.kexec ? ['kernels'] : [])].map((dir) => posix.join(cacheDir, dir))]);
  checks.push(made.exitCode === 0 ? { check: 'cache folder', ok: true, detail: cacheDir } : { check: 'cache folder', ok: false, detail: `cannot create ${cacheDir}: ${made.stderr.trim().slice(0, 160)}`, fix: 'Set cacheDir: in the inventory entry to a folder the user can write.' });

  const cpuinfo = await run(['cat', '/proc/cpuinfo']);
  return { hostname, kernelRelease, arch, cpu: cpuModel(cpuinfo.stdout), cacheDir, checks };
}
