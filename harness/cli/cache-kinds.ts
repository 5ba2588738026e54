// Every kind of cached artifact under the cache root: each module declares its own kind, this lists them for `kptrlab cache`.
import { bpfObjects } from '../bpf/compile.js';
import { vmlinuxHeaders } from '../bpf/vmlinux-header.js';
import { aptStates, debianPackages } from '../kernel/apt-fetch.js';
import { kernelCache } from '../kernel/entry.js';
import { libbpfCache } from '../kernel/libbpf-static.js';
import { gitMirrors } from '../kernel/source.js';
import { unpackedSources } from '../kernel/unpack.js';
import { accelMemos } from '../qemu/accel-memo.js';
import { arm64AptStates } from '../qemu/arm64-distro-kernel.js';
import { arm64Natives } from '../qemu/arm64-native.js';
import { arm64Images } from '../qemu/arm64-rootfs.js';
import { distroKernels } from '../qemu/distro-kernel.js';
import { guestBtfs } from '../qemu/guest-btf.js';
import { initramfsImages } from '../qemu/initramfs.js';
import { labImages } from '../qemu/lab-image.js';
import { selftestHeaders, selftestObjects } from '../selftests/compile.js';
import { selftestOverlays } from '../selftests/overlay.js';
import { testProgsBuilds, testProgsSources } from '../selftests/test-progs.js';
import { treeBpftools } from '../selftests/tree-bpftool.js';
import type { CacheKind } from '../util/cached.js';

/** Pristine Debian images of scripts/rehearse-fresh-machine (written by the script, with a .json beside each). */
export const freshImages: CacheKind = {
  name: 'images/fresh',
  dir: 'images',
  shape: 'file',
  match: /^fresh-[\w.-]+\.tar$/,
  companions: (path) => [path.replace(/\.tar$/, '.json')],
};

/** Whole output of failed children outside a run (keepLog); diagnostics, so only gc's age rule removes them. */
export const childLogs: CacheKind = { name: 'logs', dir: 'logs', shape: 'file', match: /\.log$/ };

/** Every kind, in the order `kptrlab cache list` prints them; vms/ is not a cache (the registry of running VMs). */
export const cacheKinds: readonly CacheKind[] = [
  kernelCache,
  unpackedSources,
  debianPackages,
  aptStates,
  gitMirrors,
  libbpfCache,
  vmlinuxHeaders,
  bpfObjects,
  selftestObjects,
  selftestHeaders,
  selftestOverlays,
  treeBpftools,
  testProgsSources,
  testProgsBuilds,
  initramfsImages,
  distroKernels,
  arm64AptStates,
  guestBtfs,
  arm64Images,
  labImages,
  arm64Natives,
  freshImages,
  accelMemos,
  childLogs,
];
