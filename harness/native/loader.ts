// Finds and loads the compiled binding (same path from sources and from dist/) and registers BpfError with it.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { KptrlabError } from '../util/errors.js';
import { projectPath } from '../util/paths.js';
import { BpfError } from './errors.js';
import type { NativeModule } from './native-types.js';

/** Where node-gyp puts the binding (harness/native/build/Release/kptrlab_bpf.node under the project root). */
export const NATIVE_PATH = projectPath('harness', 'native', 'build', 'Release', 'kptrlab_bpf.node');

/** The binding for this process: KPTRLAB_NATIVE, else build-<arch>/ (a guest of another arch), else node-gyp's build. */
export function nativePath(env: NodeJS.ProcessEnv = process.env, arch: string = process.arch): string {
  if (env.KPTRLAB_NATIVE) return env.KPTRLAB_NATIVE;
  // An arm64 guest sees the host's x64 build/Release over 9p; its own build sits next to it.
  const perArch = projectPath('harness', 'native', `build-${arch}`, 'kptrlab_bpf.node');
  return existsSync(perArch) ? perArch : NATIVE_PATH;
}

let loaded: NativeModule | undefined;

/** The binding, loaded once; throws KptrlabError NATIVE_NOT_BUILT when it has not been compiled. */
export function loadNative(): NativeModule {
  if (loaded) return loaded;
  const path = nativePath();
  if (!existsSync(path)) {
    throw new KptrlabError('NATIVE_NOT_BUILT', `the libbpf binding is not built (${path} is missing)`, {
      hint: 'run npm run build:native',
    });
  }
  const require = createRequire(import.meta.url);
  let module: NativeModule;
  try {
    module = require(path) as NativeModule;
  } catch (error) {
    throw new KptrlabError('NATIVE_NOT_BUILT', `the libbpf binding at ${path} cannot be loaded`, {
      hint: 'run npm run build:native (the binding must be rebuilt after a Node.js or libbpf upgrade)',
      cause: error,
    });
  }
  module.setErrorClass(BpfError);
  loaded = module;
  return module;
}

/** True when the binding file exists (does not load it). */
export function nativeBuilt(): boolean {
  return existsSync(nativePath());
}
