// Everything an arm64 guest needs besides its kernel: the Debian rootfs, the binding built for it, the current init script.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from '../util/cached.js';
import { projectPath } from '../util/paths.js';
import { buildArm64Native } from './arm64-native.js';
import { arm64Rootfs, type Arm64Rootfs } from './arm64-rootfs.js';

/** A guest whose root is its own filesystem rather than the host's. */
export interface GuestRoot {
  /** Host folder the guest mounts as / over 9p (read-only). */
  rootDir: string;
  /** Node.js inside the guest (the host's node is an x86_64 binary). */
  node: string;
  /** init= path inside the guest root. */
  init: string;
  /** Extra environment for the agent (KPTRLAB_NATIVE: the arm64 binding in the shared cache). */
  agentEnv: Record<string, string>;
  rootfs: Arm64Rootfs;
}

export const ARM64_INIT_SOURCE = projectPath('vm-images', 'arm64', 'init.sh');
/** Where the init script sits in the image (outside the recipe hash: refreshed from the project at every boot). */
export const ARM64_GUEST_INIT = '/kptrlab/init.sh';

/** Builds or reuses the rootfs and the binding, and puts the project's init script into the image. */
export async function prepareArm64Guest(onLine?: (line: string) => void): Promise<GuestRoot> {
  const rootfs = await arm64Rootfs(undefined, onLine);
  const native = await buildArm64Native(rootfs, onLine);
  syncInit(rootfs.root);
  return { rootDir: rootfs.root, node: '/usr/bin/node', init: ARM64_GUEST_INIT, agentEnv: { KPTRLAB_NATIVE: native }, rootfs };
}

/** Copies init.sh into the image when it differs (atomic rename: a concurrent boot sees the old or the new file). */
export function syncInit(root: string, source = ARM64_INIT_SOURCE): void {
  const target = join(root, ARM64_GUEST_INIT);
  const wanted = readFileSync(source);
  if (existsSync(target) && readFileSync(target).equals(wanted)) return;
  // The guest runs it as init=, so it must stay executable.
  writeFileAtomicSync(target, wanted, 0o755);
}
