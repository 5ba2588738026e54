// Kernel module dependency resolution for the distro-kernel initramfs (modules.dep, or each .ko's modinfo).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { KptrlabError } from '../util/errors.js';

/** Modules a 9p-root, virtio-net guest needs from a modular distro kernel. */
export const GUEST_MODULES = ['virtio_pci', 'virtio_net', '9pnet_virtio', '9p'];

/** Canonical module name: file base without .ko*, dashes as underscores (the kernel's own rule). */
export function moduleName(file: string): string {
  return basename(file).replace(/\.ko(\.(xz|gz|zst))?$/, '').replace(/-/g, '_');
}

/** The depends= list from a module's .modinfo section (names, possibly empty). */
export function modinfoDepends(ko: Buffer): string[] {
  const at = ko.indexOf('\0depends=');
  if (at < 0) return [];
  const end = ko.indexOf(0, at + 1);
  const value = ko.subarray(at + '\0depends='.length, end).toString();
  return value ? value.split(',').map((name) => name.replace(/-/g, '_')) : [];
}

/** Parses modules.dep ("kernel/a.ko: kernel/b.ko kernel/c.ko") into name → {path, deps}. */
export function parseModulesDep(text: string): Map<string, { path: string; deps: string[] }> {
  const map = new Map<string, { path: string; deps: string[] }>();
  for (const line of text.split('\n')) {
    const [path, rest] = line.split(':');
    if (!path || rest === undefined) continue;
    map.set(moduleName(path), { path, deps: rest.trim().split(/\s+/).filter(Boolean).map(moduleName) });
  }
  return map;
}

/** Modules in dependency order (dependencies first); built-in ones are skipped, unknown ones fail. */
export function loadOrder(wanted: readonly string[], graph: Map<string, { path: string; deps: string[] }>, builtin: ReadonlySet<string> = new Set()): string[] {
  const order: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string, chain: string[]) => {
    if (seen.has(name) || builtin.has(name)) return;
    const node = graph.get(name);
    if (!node) {
      throw new KptrlabError('MODULE_MISSING', `kernel module ${name} not found${chain.length ? ` (needed by ${chain.join(' → ')})` : ''}`, {
        hint: 'This kernel package lacks a module the guest needs; use a kernel with it built in or as a module.',
      });
    }
    seen.add(name);
    for (const dep of node.deps) visit(dep, [...chain, name]);
    order.push(node.path);
  };
  for (const name of wanted) visit(name, []);
  return order;
}

/** Dependency graph of a /lib/modules/<release> folder: modules.dep when present, else each .ko's modinfo. */
export function moduleGraph(modulesDir: string): { graph: Map<string, { path: string; deps: string[] }>; builtin: Set<string> } {
  const builtinFile = join(modulesDir, 'modules.builtin');
  const builtin = new Set(existsSync(builtinFile) ? readFileSync(builtinFile, 'utf8').split('\n').filter(Boolean).map(moduleName) : []);
  const depFile = join(modulesDir, 'modules.dep');
  if (existsSync(depFile)) return { graph: parseModulesDep(readFileSync(depFile, 'utf8')), builtin };
  // Debian packages ship no modules.dep (depmod makes it at install time): read the modinfo instead.
  const graph = new Map<string, { path: string; deps: string[] }>();
  for (const file of walk(modulesDir)) {
    if (!file.endsWith('.ko')) continue;
    graph.set(moduleName(file), { path: relative(modulesDir, file), deps: modinfoDepends(readFileSync(file)) });
  }
  return { graph, builtin };
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(path));
    else out.push(path);
  }
  return out;
}
