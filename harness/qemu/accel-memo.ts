// Remembers per machine whether KVM boots a guest, so a hanging probe is paid once: <cache>/accel/<key hash>.json, keyed by host kernel, QEMU binary and version.
import { mkdirSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import { dirname } from 'node:path';
import { entryPath, writeFileAtomicSync, type CacheKind } from '../util/cached.js';
import { runChild } from '../util/child.js';
import { hashParts } from '../util/hash.js';
import { cacheRoot } from '../util/paths.js';
import { REPROBE_ENV, type RememberedProbe } from './accel.js';

export const ACCEL_MEMO_SCHEMA = 'kptrlab.accel-memo';
export const ACCEL_MEMO_VERSION = 1;

/** The memos: accel/<key hash>.json, rewritten when a re-probe finds a new answer. */
export const accelMemos: CacheKind = { name: 'accel', dir: 'accel', shape: 'file', match: /\.json$/ };

/** What decides whether KVM works here: a new kernel or QEMU may fix (or break) it; each binary (guest arch) is probed on its own. */
export interface AccelMemoKey {
  hostKernel: string;
  /** Each guest arch has its own QEMU binary: an x86_64 host's KVM cannot run an arm64 guest at all. */
  binary: string;
  /** First line of `<binary> --version`. */
  qemuVersion: string;
}

/** A remembered probe answer (the file's content plus where it lives). */
export interface KnownKvm extends RememberedProbe {
  works: boolean;
}

interface MemoFile {
  schema: typeof ACCEL_MEMO_SCHEMA;
  version: typeof ACCEL_MEMO_VERSION;
  key: AccelMemoKey;
  kvm: 'works' | 'refused';
  reason: string;
  probedAt: string;
  probeKernel?: string;
}

/** The memo key for this machine and a QEMU binary. */
export function accelMemoKey(binary: string, qemuVersion: string, hostKernel: string = release()): AccelMemoKey {
  return { hostKernel, binary, qemuVersion };
}

/** Where the memo for a key lives: <cache>/accel/<16 hex of the key's hash>.json. */
export function accelMemoPath(key: AccelMemoKey, root: string = cacheRoot()): string {
  const hash = hashParts([ACCEL_MEMO_SCHEMA, String(ACCEL_MEMO_VERSION), key.hostKernel, key.binary, key.qemuVersion]).slice(0, 16);
  return entryPath(accelMemos, `${hash}.json`, root);
}

/** The remembered answer for key, or undefined when there is none, or the file is unreadable, corrupt or for another key. */
export function readAccelMemo(path: string, key: AccelMemoKey): KnownKvm | undefined {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
  if (!isMemoFile(data) || !sameKey(data.key, key)) return undefined;
  return { works: data.kvm === 'works', reason: data.reason, probedAt: data.probedAt, path };
}

/** Writes the answer atomically (temp file + rename), so readers never see half a file. */
export function writeAccelMemo(path: string, key: AccelMemoKey, answer: { works: boolean; reason: string; probedAt?: string; probeKernel?: string }): void {
  const file: MemoFile = {
    schema: ACCEL_MEMO_SCHEMA, version: ACCEL_MEMO_VERSION, key, kvm: answer.works ? 'works' : 'refused', reason: answer.reason,
    probedAt: answer.probedAt ?? new Date().toISOString(), probeKernel: answer.probeKernel,
  };
  mkdirSync(dirname(path), { recursive: true });
  writeFileAtomicSync(path, `${JSON.stringify(file, null, 2)}\n`);
}

/** True when the environment asks to ignore remembered answers (KPTRLAB_REPROBE_KVM=1). */
export function reprobeRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env[REPROBE_ENV]?.trim().toLowerCase();
  return value !== undefined && !['', '0', 'false', 'no'].includes(value);
}

/** First line of `<binary> --version` (undefined when QEMU does not answer: then nothing is remembered on disk). */
export async function qemuVersionLine(binary: string): Promise<string | undefined> {
  try {
    const result = await runChild(binary, ['--version'], { stage: `${binary} --version`, timeoutMs: 15_000, allowFailure: true });
    const line = result.stdout.split('\n')[0]?.trim();
    return result.exitCode === 0 && line ? line : undefined;
  } catch {
    return undefined;
  }
}

export interface KvmMemo {
  /** The memo file (undefined when QEMU's version is unknown: answers then live for this process only). */
  path: string | undefined;
  /** The answer this process found, else the file's (unless KPTRLAB_REPROBE_KVM asks to probe again). */
  known(): KnownKvm | undefined;
  /** Keeps an answer for this process and, best effort, on disk. */
  remember(answer: { works: boolean; reason: string; probeKernel?: string }): void;
}

// Answers found by this process: a re-probe forced by the environment happens once per process, not once per target.
const found = new Map<string, KnownKvm>();

/** The KVM memo for a QEMU binary on this machine. */
export async function openKvmMemo(binary: string, root: string = cacheRoot()): Promise<KvmMemo> {
  const version = await qemuVersionLine(binary);
  const key = version ? accelMemoKey(binary, version) : undefined;
  const path = key ? accelMemoPath(key, root) : undefined;
  const slot = path ?? `process:${binary}`;
  return {
    path,
    known: () => found.get(slot) ?? (key && path && !reprobeRequested() ? readAccelMemo(path, key) : undefined),
    remember: (answer) => {
      const probedAt = new Date().toISOString();
      found.set(slot, { works: answer.works, reason: answer.reason, probedAt, path });
      if (!key || !path) return;
      try {
        writeAccelMemo(path, key, { ...answer, probedAt });
      } catch {
        // A read-only cache only costs a probe in the next run.
      }
    },
  };
}

function isMemoFile(data: unknown): data is MemoFile {
  if (typeof data !== 'object' || data === null) return false;
  const file = data as Partial<MemoFile>;
  return (
    file.schema === ACCEL_MEMO_SCHEMA && file.version === ACCEL_MEMO_VERSION && (file.kvm === 'works' || file.kvm === 'refused') &&
    typeof file.reason === 'string' && typeof file.probedAt === 'string' && typeof file.key === 'object' && file.key !== null
  );
}

function sameKey(a: AccelMemoKey, b: AccelMemoKey): boolean {
  return a.hostKernel === b.hostKernel && a.binary === b.binary && a.qemuVersion === b.qemuVersion;
}
