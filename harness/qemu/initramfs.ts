// Builds the distro-kernel initramfs (busybox-static, the needed modules, an init that switches to the 9p root); cached by recipe hash.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cached, entryPath, type CacheKind } from '../util/cached.js';
import { runChild } from '../util/child.js';
import { KptrlabError } from '../util/errors.js';
import { hashParts } from '../util/hash.js';
import { trackTempDir } from '../util/lifecycle.js';
import { projectPath } from '../util/paths.js';
import { GUEST_MODULES, loadOrder, moduleGraph } from './modules.js';

export const INITRAMFS_INIT = projectPath('vm-images', 'initramfs', 'init.sh');
export const BUSYBOX_STATIC = '/bin/busybox';

/** Built initramfs images: initramfs/<recipe key>.cpio. */
export const initramfsImages: CacheKind = { name: 'initramfs', dir: 'initramfs', shape: 'file', match: /\.cpio$/ };

export interface InitramfsRecipe {
  /** /lib/modules/<release> of the kernel. */
  modulesDir: string;
  modules?: readonly string[];
  busybox?: string;
  init?: string;
}

/** Path of a cpio initramfs for the recipe, built once and reused (key: init, busybox, module files). */
export async function buildInitramfs(recipe: InitramfsRecipe): Promise<string> {
  const busybox = recipe.busybox ?? BUSYBOX_STATIC;
  const init = recipe.init ?? INITRAMFS_INIT;
  if (!existsSync(busybox)) throw new KptrlabError('INITRAMFS', `busybox not found at ${busybox}`, { hint: 'apt-get install busybox-static' });
  const { graph, builtin } = moduleGraph(recipe.modulesDir);
  const order = loadOrder(recipe.modules ?? GUEST_MODULES, graph, builtin);
  const key = hashParts([
    'initramfs-v1',
    readFileSync(init),
    readFileSync(busybox),
    ...order.flatMap((path) => [path, readFileSync(join(recipe.modulesDir, path))]),
  ]);
  const out = entryPath(initramfsImages, `${key.slice(0, 24)}.cpio`);
  await cached(initramfsImages, out, (partial) => packInitramfs(partial, recipe.modulesDir, order, busybox, init));
  return out;
}

// Lays out the initramfs in a private temp folder and packs it into `out` with cpio.
async function packInitramfs(out: string, modulesDir: string, order: readonly string[], busybox: string, init: string): Promise<void> {
  const stage = mkdtempSync(join(tmpdir(), 'kptrlab-initramfs-'));
  const untrack = trackTempDir(stage);
  try {
    for (const dir of ['bin', 'dev', 'proc', 'sys', 'newroot', 'lib/modules']) mkdirSync(join(stage, dir), { recursive: true });
    copyFileSync(busybox, join(stage, 'bin', 'busybox'));
    copyFileSync(init, join(stage, 'init'));
    for (const path of order) {
      mkdirSync(dirname(join(stage, 'lib/modules', path)), { recursive: true });
      copyFileSync(join(modulesDir, path), join(stage, 'lib/modules', path));
    }
    writeFileSync(join(stage, 'modules.list'), `${order.join('\n')}\n`);
    // The kernel opens /dev/console for init's output before any devtmpfs exists.
    await runChild('mknod', ['-m', '600', join(stage, 'dev', 'console'), 'c', '5', '1'], { stage: 'initramfs /dev/console' });
    await runChild('chmod', ['755', join(stage, 'init'), join(stage, 'bin', 'busybox')], { stage: 'initramfs chmod' });
    const list = await runChild('find', ['.', '-mindepth', '1'], { stage: 'initramfs file list', cwd: stage });
    await runChild('cpio', ['--quiet', '-o', '-H', 'newc', '-O', out], { stage: 'initramfs cpio', cwd: stage, input: list.stdout });
  } finally {
    rmSync(stage, { recursive: true, force: true });
    untrack();
  }
}
