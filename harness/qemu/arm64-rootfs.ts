// Builds the arm64 guest's Debian root filesystem with mmdebstrap (foreign packages configured under qemu-user); cached by recipe hash.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { machineMirror } from '../kernel/apt-sources.js';
import { ARCH_NAMES } from '../util/arch.js';
import { cached, entryPath, type CacheKind } from '../util/cached.js';
import { runChild } from '../util/child.js';
import { KptrlabError } from '../util/errors.js';
import { hashParts } from '../util/hash.js';

/** What goes into the image; its hash names the cache folder. */
export interface Arm64RootfsRecipe {
  suite: string;
  /** Packages the guest runs: node, libbpf, SSH server + sftp, busybox for init. */
  runtime: readonly string[];
  /** Packages for building the binding inside the image (chroot under qemu-user). */
  build: readonly string[];
}

export const ARM64_ROOTFS_RECIPE: Arm64RootfsRecipe = {
  suite: 'bookworm',
  runtime: ['nodejs', 'libbpf1', 'dropbear-bin', 'openssh-sftp-server', 'busybox-static', 'iproute2'],
  build: ['g++', 'pkg-config', 'libbpf-dev', 'libelf-dev', 'zlib1g-dev', 'libnode-dev'],
};

// Bump when the build steps change in a way the recipe fields do not show.
const BUILDER_VERSION = 'arm64-rootfs-v1';
/** binfmt_misc entry that lets this x86_64 host run the image's arm64 maintainer scripts and compiler. */
export const BINFMT_ENTRY = `/proc/sys/fs/binfmt_misc/${ARCH_NAMES.arm64.qemuUser}`;

/** arm64 guest root filesystems: images/arm64-<recipe key>/ with meta.json and rootfs/. */
export const arm64Images: CacheKind = { name: 'images/arm64', dir: 'images', match: /^arm64-[0-9a-f]{24}$/, expect: ['meta.json'] };

export interface Arm64Rootfs {
  /** Cache folder of this recipe (meta.json, rootfs/). */
  dir: string;
  /** The root directory the guest mounts as / over 9p. */
  root: string;
  key: string;
}

/** Stable key of a recipe. */
export function recipeKey(recipe: Arm64RootfsRecipe): string {
  return hashParts([BUILDER_VERSION, recipe.suite, ...[...recipe.runtime].sort(), '|', ...[...recipe.build].sort()]).slice(0, 24);
}

/** mmdebstrap argv for a recipe: variant essential + the packages, docs/man/locales left out, signed mirror from the host's apt. */
export function mmdebstrapArgs(recipe: Arm64RootfsRecipe, mirror: { uri: string; signedBy: string }, target: string): string[] {
  const exclude = ['/usr/share/doc/*', '/usr/share/man/*', '/usr/share/locale/*', '/usr/share/info/*'];
  return [
    '--mode=root',
    '--variant=essential',
    `--architectures=${ARCH_NAMES.arm64.debian}`,
    `--include=${[...recipe.runtime, ...recipe.build].join(',')}`,
    ...exclude.map((glob) => `--dpkgopt=path-exclude=${glob}`),
    recipe.suite,
    target,
    `deb [signed-by=${mirror.signedBy}] ${mirror.uri} ${recipe.suite} main`,
  ];
}

/** Fails with a fix when foreign arm64 binaries cannot run here (mmdebstrap and the binding build need them). */
export function checkBinfmt(entry = BINFMT_ENTRY): void {
  const text = existsSync(entry) ? readFileSync(entry, 'utf8') : '';
  if (!text.startsWith('enabled')) {
    throw new KptrlabError('BINFMT_MISSING', `arm64 binaries cannot run on this host (${entry} ${text ? 'is disabled' : 'is missing'})`, {
      hint: `apt-get install qemu-user-static binfmt-support; mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc; update-binfmts --enable ${ARCH_NAMES.arm64.qemuUser}`,
    });
  }
}

/** The cached rootfs for the recipe, built with mmdebstrap on a miss (several minutes: package scripts run under qemu-user). */
export async function arm64Rootfs(recipe: Arm64RootfsRecipe = ARM64_ROOTFS_RECIPE, onLine?: (line: string) => void): Promise<Arm64Rootfs> {
  const key = recipeKey(recipe);
  const dir = entryPath(arm64Images, `arm64-${key}`);
  // cached() removes a failed build's temp folder only when no mount is left inside it (a killed mmdebstrap may leave /dev or /proc bound there).
  await cached(arm64Images, dir, async (work) => {
    checkBinfmt();
    const mirror = await machineMirror();
    const started = Date.now();
    await runChild('mmdebstrap', mmdebstrapArgs(recipe, mirror, join(work, 'rootfs')), {
      stage: 'mmdebstrap arm64 rootfs', timeoutMs: 90 * 60_000, onLine: onLine ? (line) => onLine(line) : undefined,
    }).catch((error: unknown) => {
      throw new KptrlabError('ROOTFS_BUILD', `mmdebstrap could not build the arm64 root filesystem from ${mirror.uri}`, {
        hint: 'The mmdebstrap output quoted in this message says why; usual causes: arch-test or qemu-user-static missing (bash scripts/install-deps), binfmt not registered, mirror unreachable.', cause: error,
      });
    });
    // Mount point for the per-run share and the home of the init script (refreshed at every boot).
    mkdirSync(join(work, 'rootfs', 'kptrlab'), { recursive: true });
    const meta = { key, recipe, mirror: mirror.uri, builtAt: new Date().toISOString(), buildMs: Date.now() - started };
    writeFileSync(join(work, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
  }, { lockWaitMs: 90 * 60_000 });
  return { dir, root: join(dir, 'rootfs'), key };
}
