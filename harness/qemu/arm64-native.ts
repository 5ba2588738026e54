// Builds the libbpf binding for arm64 inside the guest rootfs (chroot, g++ under qemu-user); cached by image + sources hash.
import { copyFileSync, cpSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { cached, entryPath, type CacheKind } from '../util/cached.js';
import { runChild } from '../util/child.js';
import { KptrlabError } from '../util/errors.js';
import { hashParts } from '../util/hash.js';
import { projectPath } from '../util/paths.js';
import { bindingLibbpf } from '../kernel/binding-libbpf.js';
import type { StaticLibbpf } from '../kernel/libbpf-static.js';
import { checkBinfmt, type Arm64Rootfs } from './arm64-rootfs.js';

const SOURCES_DIR = projectPath('harness', 'native', 'src');

/** The arm64 binding: native/arm64-<key>/kptrlab_bpf.node. */
export const arm64Natives: CacheKind = { name: 'native', dir: 'native', match: /^arm64-[0-9a-f]{24}$/, expect: ['kptrlab_bpf.node'] };

/** g++ argv (inside the chroot) mirroring binding.gyp: C++17, NAPI 8, C++ exceptions, static libbpf (copied to work/libbpf), libelf, zlib. */
export function gxxArgs(work: string, sources: readonly string[], libbpfVersion: string): string[] {
  return [
    '-std=c++17', '-O2', '-fPIC', '-shared', '-fexceptions',
    '-Wall', '-Wextra', '-Wno-unused-parameter', '-Wno-missing-field-initializers',
    '-DNAPI_VERSION=8', '-DNAPI_CPP_EXCEPTIONS', '-DBUILDING_NODE_EXTENSION', '-DNODE_GYP_MODULE_NAME=kptrlab_bpf',
    `-DKPTRLAB_LIBBPF_VERSION=${libbpfVersion}`,
    `-I${work}/libbpf/include`, '-I/usr/include/node', `-I${work}/node-addon-api`,
    ...sources.map((name) => `${work}/src/${name}`),
    '-o', `${work}/kptrlab_bpf.node`,
    `${work}/libbpf/lib/libbpf.a`, '-lelf', '-lz',
  ];
}

/** The arm64 binding's cache path for this image, this libbpf and these sources. */
export function arm64NativePath(rootfs: Arm64Rootfs, libbpf: StaticLibbpf): string {
  const files = readdirSync(SOURCES_DIR).sort();
  const key = hashParts(['arm64-native-v2', rootfs.key, libbpf.prefix, readFileSync(join(addonApiDir(), 'napi-inl.h')), ...files.flatMap((name) => [name, readFileSync(join(SOURCES_DIR, name))])]);
  return join(entryPath(arm64Natives, `arm64-${key.slice(0, 24)}`), 'kptrlab_bpf.node');
}

/** Builds (or reuses) the arm64 binding; the build runs in a scratch folder inside the image that is removed afterwards. */
export async function buildArm64Native(rootfs: Arm64Rootfs, onLine?: (line: string) => void): Promise<string> {
  // Cross-compiled here against the image's libelf/zlib headers: the same libbpf as the x86_64 binding, no qemu-user make.
  const libbpf = await bindingLibbpf({ arch: 'arm64', sysroot: rootfs.root });
  const out = arm64NativePath(rootfs, libbpf);
  await cached(arm64Natives, dirname(out), async (entry) => {
    checkBinfmt();
    const guestWork = `/tmp/kptrlab-native-${process.pid}`;
    const hostWork = join(rootfs.root, guestWork);
    rmSync(hostWork, { recursive: true, force: true });
    try {
      cpSync(SOURCES_DIR, join(hostWork, 'src'), { recursive: true });
      cpSync(addonApiDir(), join(hostWork, 'node-addon-api'), { recursive: true });
      cpSync(libbpf.prefix, join(hostWork, 'libbpf'), { recursive: true });
      const sources = readdirSync(join(hostWork, 'src')).filter((name) => name.endsWith('.cc')).sort();
      await runChild('chroot', [rootfs.root, 'g++', ...gxxArgs(guestWork, sources, libbpf.version)], {
        stage: 'arm64 binding build (g++ under qemu-user)', timeoutMs: 30 * 60_000, onLine: onLine ? (line) => onLine(line) : undefined,
      }).catch((error: unknown) => {
        throw new KptrlabError('NATIVE_BUILD', 'the arm64 libbpf binding did not compile in the guest image', {
          hint: 'The g++ output quoted in this message names the error; the image needs libelf-dev, zlib1g-dev and libnode-dev.', cause: error,
        });
      });
      copyFileSync(join(hostWork, 'kptrlab_bpf.node'), join(entry, 'kptrlab_bpf.node'));
    } finally {
      rmSync(hostWork, { recursive: true, force: true });
    }
  });
  return out;
}

// node-addon-api is header-only: the project's copy serves the arm64 build as well.
function addonApiDir(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve('node-addon-api/package.json'));
}
