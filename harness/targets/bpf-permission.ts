// Why bpf() may be refused here, found without trying to load anything.
import { readFileSync } from 'node:fs';

// CAP_BPF (39), CAP_PERFMON (38), CAP_NET_ADMIN (12), CAP_SYS_ADMIN (21) from /proc/self/status CapEff.
const CAPS = { CAP_NET_ADMIN: 12n, CAP_SYS_ADMIN: 21n, CAP_PERFMON: 38n, CAP_BPF: 39n } as const;

/** Effective capabilities of this process as a bitmask. */
export function effectiveCaps(status = readFileSync('/proc/self/status', 'utf8')): bigint {
  const line = status.split('\n').find((entry) => entry.startsWith('CapEff:'));
  return line ? BigInt(`0x${line.split(/\s+/)[1]}`) : 0n;
}

/** Undefined when this process may load tc programs with rbtree kfuncs; otherwise what is missing and how to get it. */
export function bpfPermissionProblem(caps = effectiveCaps()): string | undefined {
  const has = (cap: bigint) => (caps >> cap) & 1n;
  if (has(CAPS.CAP_SYS_ADMIN)) return undefined;
  const missing = (['CAP_BPF', 'CAP_PERFMON', 'CAP_NET_ADMIN'] as const).filter((name) => !has(CAPS[name]));
  if (missing.length === 0) return undefined;
  return `loading BPF programs needs root (or ${missing.join(', ')}); run kptrlab as root, e.g. with sudo`;
}
