// The per-run folder shared read-only with the guest: authorized_keys and the init parameters.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trackTempDir } from '../util/lifecycle.js';

export interface RunShare {
  dir: string;
  /** Console line the guest prints when SSH is up (unique per boot). */
  marker: string;
  /** Stops tracking the folder (after it was removed). */
  untrack: () => void;
}

/** Shell-safe single-quoted value for params.env (sourced by the guest's init). */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** Contents of params.env: the marker and the host folders the guest must see despite its tmpfs mounts. */
export function paramsEnv(marker: string, keep: readonly string[], shares: readonly { tag: string; guestPath: string }[] = []): string {
  const base = `KPTRLAB_MARKER=${shellQuote(marker)}\nKPTRLAB_KEEP=${shellQuote(keep.join(':'))}\n`;
  // Only guests with their own root get extra shares (tag=path:tag=path).
  if (shares.length === 0) return base;
  return `${base}KPTRLAB_SHARES=${shellQuote(shares.map((share) => `${share.tag}=${share.guestPath}`).join(':'))}\n`;
}

/** Host paths that a guest tmpfs (/root, /var, /tmp) would hide but the agent needs. */
export function keepPaths(paths: readonly string[]): string[] {
  const hidden = ['/root/', '/var/', '/tmp/'];
  return [...new Set(paths.filter((path) => hidden.some((prefix) => path.startsWith(prefix))))].sort();
}

/** Creates the run folder (removed at exit even after a crash of this process's logic). */
export function createRunShare(authorizedKey: string, keep: readonly string[], shares: readonly { tag: string; guestPath: string }[] = []): RunShare {
  const dir = mkdtempSync(join(tmpdir(), 'kptrlab-vm-'));
  const untrack = trackTempDir(dir);
  const marker = `KPTRLAB-READY ${dir.slice(-6)}-${Date.now().toString(36)}`;
  writeFileSync(join(dir, 'authorized_keys'), `${authorizedKey.trim()}\n`);
  writeFileSync(join(dir, 'params.env'), paramsEnv(marker, keepPaths(keep), shares));
  return { dir, marker, untrack };
}
