// Finds and loads the compiled binding (from sources, from dist/ and from the agent bundle) and registers BpfError with it.
// Imports nothing outside native/: the agent bundle carries this file to targets that have no kptrlab tree.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BpfError, NativeNotBuiltError } from './errors.js';
import type { NativeModule } from './native-types.js';

/** The kptrlab tree this module sits in: the nearest folder above with harness/native/binding.gyp. */
function treeRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'harness', 'native', 'binding.gyp'))) {
    const parent = dirname(dir);
    if (parent === dir) return dirname(fileURLToPath(import.meta.url));
    dir = parent;
  }
  return dir;
}

/** Where node-gyp puts the binding (harness/native/build/Release/kptrlab_bpf.node under the project root). */
export const NATIVE_PATH = join(treeRoot(), 'harness', 'native', 'build', 'Release', 'kptrlab_bpf.node');

/** The binding for this process: KPTRLAB_NATIVE, else build-<arch>/ (a guest of another arch), else node-gyp's build. */
export function nativePath(env: NodeJS.ProcessEnv = process.env, arch: string = process.arch): string {
  if (env.KPTRLAB_NATIVE) return env.KPTRLAB_NATIVE;
  // An arm64 guest sees the host's x64 build/Release over 9p; its own build sits next to it.
  const perArch = join(treeRoot(), 'harness', 'native', `build-${arch}`, 'kptrlab_bpf.node');
  return existsSync(perArch) ? perArch : NATIVE_PATH;
}

let loaded: NativeModule | undefined;

/** The binding, loaded once; throws NativeNotBuiltError when it has not been compiled. */
export function loadNative(): NativeModule {
  if (loaded) return loaded;
  const path = nativePath();
  if (!existsSync(path)) {
    throw new NativeNotBuiltError(`the libbpf binding is not built (${path} is missing)`, 'run npm run build:native');
  }
  const require = createRequire(import.meta.url);
  let module: NativeModule;
  try {
    module = require(path) as NativeModule;
  } catch (error) {
    throw new NativeNotBuiltError(`the libbpf binding at ${path} cannot be loaded: ${(error as Error).message}`, 'run npm run build:native (the binding must be rebuilt after a Node.js or libbpf upgrade)');
  }
  module.setErrorClass(BpfError);
  loaded = module;
  return module;
}

/** True when the binding file exists (does not load it). */
export function nativeBuilt(): boolean {
  return existsSync(nativePath());
}
