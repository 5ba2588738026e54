// The libbpf binding a machine of another kind runs: this host's own build when the arches match, else the arm64
// cross-build (made once in the arm64 image, then cached).
import { arch as hostArch } from 'node:os';
import { NATIVE_PATH } from '../native/loader.js';
import { buildArm64Native } from '../qemu/arm64-native.js';
import { arm64Rootfs } from '../qemu/arm64-rootfs.js';
import { archFromNode, type Arch } from '../util/arch.js';
import { KptrlabError } from '../util/errors.js';

/** The binding's path for `arch`; `who` names the machine in the error when no binding can be had. */
export async function bindingForArch(arch: Arch, who?: string): Promise<string> {
  if (archFromNode(hostArch()) === arch) return NATIVE_PATH;
  if (arch === 'arm64') return buildArm64Native(await arm64Rootfs());
  throw new KptrlabError('MACHINE_ARCH', `${who ? `${who}: ` : ''}no ${arch} binding can be built on this ${hostArch()} host`);
}
