// Pidfile registry of running QEMUs under <cache>/vms/, so a later run finds VMs a crashed run left behind.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheRoot } from '../util/paths.js';

export interface VmRecord {
  pid: number;
  /** The orchestrator that started it; when it is gone the VM is stale. */
  ownerPid: number;
  name: string;
  /** Unique per boot; its presence in /proc/<pid>/cmdline proves the pid was not reused. */
  runDir: string;
  startedAt: string;
}

export type VmRecordState = 'gone' | 'owned' | 'stale';

/** What the registry needs to know about processes (injectable for tests). */
export interface ProcessView {
  cmdline(pid: number): string | undefined;
  alive(pid: number): boolean;
}

export const procView: ProcessView = {
  cmdline(pid) {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    } catch {
      return undefined;
    }
  },
  alive(pid) {
    try {
      const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
      return state !== undefined && state !== 'Z';
    } catch {
      return false;
    }
  },
};

/** Folder of the registry. */
export function registryDir(): string {
  return join(cacheRoot(), 'vms');
}

/** Decides whether a recorded VM is gone, still owned by a live run, or stale (owner dead, QEMU alive). */
export function classifyRecord(record: VmRecord, view: ProcessView): VmRecordState {
  const cmdline = view.cmdline(record.pid);
  if (!view.alive(record.pid) || cmdline === undefined || !cmdline.includes('qemu-system') || !cmdline.includes(record.runDir)) return 'gone';
  return view.alive(record.ownerPid) ? 'owned' : 'stale';
}

/** Records a started QEMU; returns the remover. */
export function registerVm(record: VmRecord, dir = registryDir()): () => void {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${record.pid}.json`);
  writeFileSync(file, JSON.stringify(record));
  return () => rmSync(file, { force: true });
}

/** Every readable record in the registry. */
export function listRecords(dir = registryDir()): VmRecord[] {
  if (!existsSync(dir)) return [];
  const records: VmRecord[] = [];
  for (const name of readdirSync(dir).filter((entry) => entry.endsWith('.json'))) {
    try {
      records.push(JSON.parse(readFileSync(join(dir, name), 'utf8')) as VmRecord);
    } catch {
      rmSync(join(dir, name), { force: true });
    }
  }
  return records;
}

/** Kills stale VMs and forgets gone ones; returns the stale ones found (with their cmdline). */
export function reapStaleVms(
  options: { dir?: string; view?: ProcessView; kill?: (pid: number) => void } = {},
): Array<{ record: VmRecord; cmdline: string }> {
  const dir = options.dir ?? registryDir();
  const view = options.view ?? procView;
  const kill = options.kill ?? ((pid: number) => process.kill(pid, 'SIGKILL'));
  const stale: Array<{ record: VmRecord; cmdline: string }> = [];
  for (const record of listRecords(dir)) {
    const state = classifyRecord(record, view);
    if (state === 'owned') continue;
    if (state === 'stale') {
      stale.push({ record, cmdline: view.cmdline(record.pid) ?? '' });
      try {
        kill(record.pid);
      } catch {
        // It exited between the check and the kill.
      }
    }
    // The dead owner could not remove its run folder (keys, console log); only kptrlab's own folders are touched.
    if (/\/kptrlab-vm-[^/]+$/.test(record.runDir)) rmSync(record.runDir, { recursive: true, force: true });
    rmSync(join(dir, `${record.pid}.json`), { force: true });
  }
  return stale;
}
