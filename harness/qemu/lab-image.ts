// Builds the simulated lab machine's disk: a Debian amd64 root (distro kernel, systemd, OpenSSH, kexec-tools, node) made with
// mmdebstrap into a folder, then written into a raw ext4 image with mkfs.ext4 -d (no loop mount); cached by recipe hash.
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { machineMirror, type DebianMirror } from '../kernel/apt-sources.js';
import { generateClientKey } from '../ssh/keys.js';
import { pinFingerprint } from '../ssh/known-hosts.js';
import { ARCH_NAMES } from '../util/arch.js';
import { cached, entryPath, removeUnlessMounted, type CacheKind } from '../util/cached.js';
import { runChild } from '../util/child.js';
import { KptrlabError } from '../util/errors.js';
import { hashParts } from '../util/hash.js';

/** What goes into the lab machine's disk; its hash names the cache folder. */
export interface LabImageRecipe {
  suite: string;
  /** Packages installed on top of mmdebstrap's minbase (the distro kernel among them). */
  packages: readonly string[];
  /** Size of the ext4 filesystem (the image file is sparse). */
  sizeMiB: number;
}

export const LAB_IMAGE_RECIPE: LabImageRecipe = {
  suite: 'bookworm',
  packages: [
    ARCH_NAMES.x86_64.debianKernel, 'initramfs-tools', 'systemd-sysv', 'udev', 'openssh-server', 'kexec-tools', 'nodejs',
    'libelf1', 'zlib1g', 'util-linux', 'coreutils', 'procps', 'iproute2', 'e2fsprogs', 'kmod',
  ],
  sizeMiB: 3072,
};

/** Kernel arguments of the machine's default kernel (what its boot loader would pass). */
export const LAB_KERNEL_APPEND = ['root=/dev/vda', 'rw', 'console=ttyS0,115200'];

/** Units masked in the image: periodic or boot-time work a benchmark machine would not want running. */
export const LAB_MASKED_UNITS = ['e2scrub_reap.service', 'e2scrub_all.timer', 'getty-static.service', 'apt-daily.timer', 'apt-daily-upgrade.timer'];

// Bump when the build steps change in a way the recipe fields do not show.
const BUILDER_VERSION = 'lab-image-v1';

/** Files of an entry: the disk, the default kernel and initramfs beside it, the client key root accepts. */
export const LAB_FILES = { image: 'disk.img', kernel: 'vmlinuz', initrd: 'initrd.img', identity: 'id_ed25519', meta: 'meta.json' } as const;

/** Lab machine disks: images/lab-amd64-<recipe key>/ with meta.json, disk.img, vmlinuz, initrd.img and the client key. */
export const labImages: CacheKind = {
  name: 'images/lab',
  dir: 'images',
  match: new RegExp(`^lab-${ARCH_NAMES.x86_64.debian}-[0-9a-f]{24}$`),
  expect: Object.values(LAB_FILES),
  verify: async (path) => (readLabMeta(path) ? undefined : `${LAB_FILES.meta} is unreadable or lacks the host key`),
};

/** What meta.json records about a built image. */
export interface LabImageMeta {
  key: string;
  recipe: LabImageRecipe;
  release: string;
  hostKeyLine: string;
  hostKeyFingerprint: string;
  append: string[];
  builtAt: string;
  /** mmdebstrap alone, then configuration + mkfs.ext4. */
  mmdebstrapMs: number;
  imageMs: number;
}

export interface LabImage {
  /** Cache folder of this recipe. */
  dir: string;
  /** Raw ext4 image; never written by a VM (boot it through an overlay). */
  image: string;
  /** The machine's default kernel and its initramfs (copied out of the image's /boot). */
  kernel: string;
  initrd: string;
  release: string;
  /** The guest's ed25519 host key as a public-key line, and its SHA256 fingerprint. */
  hostKeyLine: string;
  hostKeyFingerprint: string;
  /** Private key file root accepts (mode 600). */
  identity: string;
  key: string;
  append: string[];
  /** True when the cache already held the image. */
  hit: boolean;
}

/** Stable key of a recipe. */
export function labRecipeKey(recipe: LabImageRecipe): string {
  return hashParts([BUILDER_VERSION, recipe.suite, ...[...recipe.packages].sort(), '|', String(recipe.sizeMiB), '|', ...LAB_KERNEL_APPEND, '|', ...LAB_MASKED_UNITS]).slice(0, 24);
}

/** mmdebstrap argv: minbase + the packages into a folder, docs left out, systemd-networkd enabled, signed mirror from the host's apt. */
export function labMmdebstrapArgs(recipe: LabImageRecipe, mirror: DebianMirror, target: string): string[] {
  const exclude = ['/usr/share/doc/*', '/usr/share/man/*', '/usr/share/locale/*', '/usr/share/info/*'];
  return [
    '--mode=root',
    '--variant=minbase',
    '--format=directory',
    `--architectures=${ARCH_NAMES.x86_64.debian}`,
    `--include=${recipe.packages.join(',')}`,
    ...exclude.map((glob) => `--dpkgopt=path-exclude=${glob}`),
    // systemctl works offline on a folder; the NIC then gets its address from QEMU's user network by DHCP.
    '--customize-hook=chroot "$1" systemctl enable systemd-networkd.service',
    // Background jobs that only compete for the CPU (a TCG guest has little): ext4 scrub, apt timers, gettys on absent VTs.
    `--customize-hook=chroot "$1" systemctl mask ${LAB_MASKED_UNITS.join(' ')}`,
    recipe.suite,
    target,
    `deb [signed-by=${mirror.signedBy}] ${mirror.uri} ${recipe.suite} main`,
  ];
}

/** Runs argv inside a private mount and pid namespace: a killed mmdebstrap leaves no /proc or /dev bound under the cache. */
export function inPrivateNamespace(argv: readonly string[]): string[] {
  return ['--mount', '--propagation', 'private', '--pid', '--fork', '--kill-child', '--', ...argv];
}

/** The cached lab image for the recipe, built on a miss (mmdebstrap downloads ~250 MB; a few minutes). */
export async function labImage(recipe: LabImageRecipe = LAB_IMAGE_RECIPE, onLine?: (line: string) => void): Promise<LabImage> {
  const key = labRecipeKey(recipe);
  const dir = entryPath(labImages, `lab-${ARCH_NAMES.x86_64.debian}-${key}`);
  const entry = await cached(labImages, dir, (work) => buildLabImage(recipe, key, work, onLine), { lockWaitMs: 60 * 60_000 });
  const meta = readLabMeta(dir);
  if (!meta) throw new KptrlabError('LAB_IMAGE', `${join(dir, LAB_FILES.meta)} is unreadable`, { hint: `Remove ${dir} and run again.` });
  return {
    dir, key, hit: entry.hit, release: meta.release, append: meta.append,
    image: join(dir, LAB_FILES.image), kernel: join(dir, LAB_FILES.kernel), initrd: join(dir, LAB_FILES.initrd), identity: join(dir, LAB_FILES.identity),
    hostKeyLine: meta.hostKeyLine, hostKeyFingerprint: meta.hostKeyFingerprint,
  };
}

/** meta.json of an entry, or undefined when it is missing, corrupt or lacks the host key. */
export function readLabMeta(dir: string): LabImageMeta | undefined {
  try {
    const meta = JSON.parse(readFileSync(join(dir, LAB_FILES.meta), 'utf8')) as LabImageMeta;
    return typeof meta.release === 'string' && typeof meta.hostKeyFingerprint === 'string' && pinFingerprint(meta.hostKeyLine) === meta.hostKeyFingerprint ? meta : undefined;
  } catch {
    return undefined;
  }
}

async function buildLabImage(recipe: LabImageRecipe, key: string, work: string, onLine?: (line: string) => void): Promise<void> {
  const mirror = await machineMirror();
  const root = join(work, 'root');
  const started = Date.now();
  await runChild('unshare', inPrivateNamespace(['mmdebstrap', ...labMmdebstrapArgs(recipe, mirror, root)]), {
    stage: 'mmdebstrap lab image', timeoutMs: 60 * 60_000, onLine: onLine ? (line) => onLine(line) : undefined,
  }).catch((error: unknown) => {
    throw new KptrlabError('LAB_IMAGE', `mmdebstrap could not build the lab machine's root from ${mirror.uri}`, {
      hint: 'The mmdebstrap output quoted in this message says why; usual causes: mmdebstrap missing (bash scripts/install-deps), mirror unreachable, not root.', cause: error,
    });
  });
  const mmdebstrapMs = Date.now() - started;
  const host = await configureRoot(root, work);
  const boot = copyDefaultKernel(root, work);
  const image = join(work, LAB_FILES.image);
  await runChild('mkfs.ext4', ['-q', '-L', 'kptrlab-lab', '-d', root, image, `${recipe.sizeMiB}M`], { stage: 'mkfs.ext4 lab image', timeoutMs: 30 * 60_000 });
  // Only the image stays in the cache; mounts made by mmdebstrap died with its namespace.
  removeUnlessMounted(root);
  const meta: LabImageMeta = {
    // The mirror is left out: it is this host's apt configuration, not part of the image's identity.
    key, recipe, release: boot.release, ...host, append: LAB_KERNEL_APPEND,
    builtAt: new Date().toISOString(), mmdebstrapMs, imageMs: Date.now() - started - mmdebstrapMs,
  };
  writeFileSync(join(work, LAB_FILES.meta), `${JSON.stringify(meta, null, 2)}\n`);
}

/** Host key, root's authorized key, sshd and kexec settings, network, fstab: the machine as a lab admin would leave it. */
async function configureRoot(root: string, work: string): Promise<{ hostKeyLine: string; hostKeyFingerprint: string }> {
  const sshDir = join(root, 'etc/ssh');
  // openssh-server's postinst made rsa, ecdsa and ed25519 keys; the machine keeps one key, known to the cache entry.
  for (const name of readdirSync(sshDir).filter((file) => file.startsWith('ssh_host_'))) rmSync(join(sshDir, name));
  const hostKey = join(sshDir, 'ssh_host_ed25519_key');
  await runChild('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'root@kptrlab-lab', '-f', hostKey], { stage: 'lab image host key' });
  const hostKeyLine = readFileSync(`${hostKey}.pub`, 'utf8').trim();
  const hostKeyFingerprint = pinFingerprint(hostKeyLine);
  if (!hostKeyFingerprint) throw new KptrlabError('LAB_IMAGE', `ssh-keygen wrote an unreadable host key: ${hostKeyLine}`);
  writeFileSync(join(work, 'ssh_host_ed25519_key.pub'), `${hostKeyLine}\n`);

  const client = generateClientKey('kptrlab-lab-client');
  writeFileSync(join(work, LAB_FILES.identity), client.privateKey, { mode: 0o600 });
  writeFileSync(join(work, `${LAB_FILES.identity}.pub`), `${client.publicKey}\n`);
  const rootSsh = join(root, 'root/.ssh');
  mkdirSync(rootSsh, { recursive: true, mode: 0o700 });
  chmodSync(rootSsh, 0o700);
  writeFileSync(join(rootSsh, 'authorized_keys'), `${client.publicKey}\n`, { mode: 0o600 });

  // First value wins in sshd_config, and Debian's file includes sshd_config.d/ at its top.
  writeFileSync(join(sshDir, 'sshd_config.d/kptrlab.conf'), [
    `HostKey /etc/ssh/ssh_host_ed25519_key`, 'PermitRootLogin prohibit-password', 'PasswordAuthentication no',
    'KbdInteractiveAuthentication no', 'PermitEmptyPasswords no', 'UseDNS no', '',
  ].join('\n'));
  lockRootPassword(join(root, 'etc/shadow'));
  writeKexecDefaults(join(root, 'etc/default/kexec'));

  writeFileSync(join(root, 'etc/systemd/network/20-dhcp.network'), ['[Match]', 'Name=en* eth*', '', '[Network]', 'DHCP=ipv4', ''].join('\n'));
  writeFileSync(join(root, 'etc/hostname'), 'kptrlab-lab\n');
  writeFileSync(join(root, 'etc/hosts'), '127.0.0.1\tlocalhost\n127.0.1.1\tkptrlab-lab\n::1\tlocalhost ip6-localhost ip6-loopback\n');
  writeFileSync(join(root, 'etc/fstab'), '/dev/vda\t/\text4\trw,errors=remount-ro\t0\t1\n');
  return { hostKeyLine, hostKeyFingerprint };
}

/** Root gets no password: '*' matches no password (and, unlike '!', sshd does not read it as a locked account). */
function lockRootPassword(shadow: string): void {
  const lines = readFileSync(shadow, 'utf8').split('\n');
  const index = lines.findIndex((line) => line.startsWith('root:'));
  if (index < 0) throw new KptrlabError('LAB_IMAGE', `${shadow} has no root entry`);
  const fields = lines[index]!.split(':');
  fields[1] = '*';
  lines[index] = fields.join(':');
  writeFileSync(shadow, lines.join('\n'));
}

/** kexec-tools must never load (or reboot into) a kernel on its own: only the harness kexecs. */
function writeKexecDefaults(file: string): void {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const body = /^LOAD_KEXEC=.*$/m.test(text) ? text.replace(/^LOAD_KEXEC=.*$/m, 'LOAD_KEXEC=false') : `${text}LOAD_KEXEC=false\n`;
  writeFileSync(file, body);
}

/** Copies /boot/vmlinuz-<release> and its initrd.img out of the root, so QEMU boots them as the machine's default kernel. */
function copyDefaultKernel(root: string, work: string): { release: string } {
  const boot = join(root, 'boot');
  const kernels = readdirSync(boot).filter((name) => /^vmlinuz-\d/.test(name));
  if (kernels.length !== 1) throw new KptrlabError('LAB_IMAGE', `expected one /boot/vmlinuz-* in the lab root, found ${kernels.length} (${kernels.join(', ') || 'none'})`);
  const release = kernels[0]!.slice('vmlinuz-'.length);
  const initrd = join(boot, `initrd.img-${release}`);
  if (!existsSync(initrd) || statSync(initrd).size === 0) {
    throw new KptrlabError('LAB_IMAGE', `the lab root has no initramfs for ${release}`, { hint: 'initramfs-tools did not run in mmdebstrap; its output above says why.' });
  }
  copyFileSync(join(boot, kernels[0]!), join(work, LAB_FILES.kernel));
  copyFileSync(initrd, join(work, LAB_FILES.initrd));
  return { release };
}

