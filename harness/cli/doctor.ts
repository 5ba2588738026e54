// `kptrlab doctor`: what this machine can do, each check with the fix when it fails.
import { defaultHistoryPath, sqliteVersion } from '../history/db.js';
import { existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import { findClang } from '../bpf/toolchain.js';
import { LOCAL_BTF, vmlinuxHeader } from '../bpf/vmlinux-header.js';
import { LEVEL_MEANING } from '../results/vocab.js';
import { deriveCapability, probeFacts, probeRequest, type ProbeFacts } from '../suites/capability.js';
import { bpfSources, compileSet } from '../suites/compile-set.js';
import { bpfPermissionProblem } from '../targets/bpf-permission.js';
import { LocalTarget } from '../targets/local.js';
import { openKvmMemo } from '../qemu/accel-memo.js';
import { ARCHES, ARCH_NAMES } from '../util/arch.js';
import { runChild } from '../util/child.js';
import { ExitCode } from '../util/errors.js';
import { projectPath } from '../util/paths.js';
import { MIN_LIBBPF, versionAtLeast } from '../util/version.js';
import { BINDING_LIBBPF_RECORD } from './build-native.js';

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
  /** Optional checks (QEMU, KVM) inform but do not fail the doctor. */
  optional?: boolean;
}

async function versionOf(binary: string, args: string[], pattern: RegExp): Promise<string | undefined> {
  const result = await runChild(binary, args, { stage: `${binary} version`, allowFailure: true }).catch(() => undefined);
  if (!result || result.exitCode !== 0) return undefined;
  return pattern.exec(result.stdout + result.stderr)?.[1] ?? (result.stdout.split('\n')[0] ?? '').trim();
}

/** Runs every check and prints one line each; exit 0 when the local target is usable, 69 otherwise. */
export async function doctorCommand(write: (text: string) => void = (text) => process.stdout.write(text)): Promise<number> {
  const checks: Check[] = [];
  const permission = bpfPermissionProblem();
  checks.push({ name: 'privileges', ok: !permission, detail: permission ?? `uid ${process.getuid?.()} with the capabilities bpf() needs`, fix: 'Run as root (sudo).' });
  checks.push({ name: 'kernel BTF', ok: existsSync(LOCAL_BTF), detail: `${release()}: ${existsSync(LOCAL_BTF) ? LOCAL_BTF : 'no /sys/kernel/btf/vmlinux'}`, fix: 'Boot a kernel with CONFIG_DEBUG_INFO_BTF=y.' });
  const clang = await findClang().then((found) => `${found.path} ${found.version}`, (error: Error) => error);
  checks.push({ name: 'clang', ok: typeof clang === 'string', detail: typeof clang === 'string' ? clang : clang.message, fix: 'bash scripts/install-deps' });
  const bpftool = await versionOf('bpftool', ['version'], /bpftool v(\S+)/);
  checks.push({ name: 'bpftool', ok: Boolean(bpftool), detail: bpftool ?? 'not found', fix: 'bash scripts/install-deps' });
  checks.push(await bindingCheck());
  checks.push(historyCheck());
  for (const arch of ARCHES) {
    const version = await versionOf(ARCH_NAMES[arch].qemuSystem, ['--version'], /version (\S+)/);
    checks.push({ name: `qemu ${arch}`, ok: Boolean(version), detail: version ?? 'not found (needed for VM targets only)', optional: true, fix: 'bash scripts/install-deps' });
  }
  checks.push(await kvmCheck());
  const ready = checks.filter((check) => !check.optional).every((check) => check.ok);
  if (ready) checks.push(await capabilityCheck());
  for (const check of checks) {
    const mark = check.ok ? 'ok  ' : check.optional ? 'warn' : 'FAIL';
    write(`${mark} ${check.name.padEnd(16)} ${check.detail}\n`);
    if (!check.ok && check.fix && !check.optional) write(`     fix: ${check.fix}\n`);
  }
  return checks.every((check) => check.ok || check.optional) ? ExitCode.ok : ExitCode.unavailable;
}

// The binding must load and link a current libbpf: programs load differently under the 2023 one.
async function bindingCheck(): Promise<Check> {
  const fix = 'npm run build:native (builds the static libbpf from config/libbpf.yaml, then the binding)';
  try {
    const { libbpfVersion, libbpfRuntimeVersion } = await import('../native/index.js');
    const ok = versionAtLeast(libbpfVersion, MIN_LIBBPF);
    const origin = existsSync(BINDING_LIBBPF_RECORD) ? (JSON.parse(readFileSync(BINDING_LIBBPF_RECORD, 'utf8')) as { source?: string }).source : undefined;
    const detail = `libbpf ${libbpfVersion} (static${origin ? `, from ${origin}` : ''}; runtime ${libbpfRuntimeVersion})${ok ? '' : `: older than ${MIN_LIBBPF}`}`;
    return { name: 'libbpf binding', ok, detail, fix };
  } catch (error) {
    return { name: 'libbpf binding', ok: false, detail: (error as Error).message, fix };
  }
}

// /dev/kvm can exist and still not run a guest: show what the last probe boot on this machine found.
// The run history needs the better-sqlite3 addon, which build:native compiles for this Node.
function historyCheck(): Check {
  try {
    return { name: 'history (SQLite)', ok: true, detail: `better-sqlite3 with SQLite ${sqliteVersion()}; database ${defaultHistoryPath()}` };
  } catch (error) {
    return { name: 'history (SQLite)', ok: false, detail: (error as Error).message, fix: 'npm run build:native' };
  }
}

async function kvmCheck(): Promise<Check> {
  if (!existsSync('/dev/kvm')) return { name: '/dev/kvm', ok: false, detail: 'absent: VM targets use TCG', optional: true };
  const known = (await openKvmMemo(ARCH_NAMES.x86_64.qemuSystem)).known();
  if (!known) return { name: '/dev/kvm', ok: true, detail: 'present; not probed yet (the first VM target boots a KVM probe)', optional: true };
  const how = `probe of ${known.probedAt.slice(0, 10)}: ${known.reason}${known.path ? ` (${known.path})` : ''}`;
  return { name: '/dev/kvm', ok: known.works, detail: known.works ? `KVM works (${how})` : `present but KVM refused, VM targets use TCG (${how})`, optional: true };
}

async function capabilityCheck(): Promise<Check> {
  try {
    const header = await vmlinuxHeader(LOCAL_BTF);
    const probes = await compileSet(bpfSources(projectPath('programs', 'probes')), header);
    if (probes.errors.length) return { name: 'capabilities', ok: false, detail: `probe compile failed: ${probes.errors[0]!.firstError}` };
    let facts: ProbeFacts | undefined;
    await new LocalTarget().runAgent(probeRequest(probes.objects.map((object) => object.path)), (event) => {
      if (event.type === 'probe') facts = probeFacts(event.facts);
    });
    if (!facts) return { name: 'capabilities', ok: false, detail: 'the probe returned nothing' };
    const capability = deriveCapability(facts);
    return { name: 'capabilities', ok: true, detail: `${capability.level}: ${LEVEL_MEANING[capability.level]}` };
  } catch (error) {
    return { name: 'capabilities', ok: false, detail: (error as Error).message, fix: 'Run kptrlab doctor as root after npm run build.' };
  }
}
