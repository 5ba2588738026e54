// Downloads one package from another Debian suite through a private apt state, never touching the system's lists.
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { markUsed, tempPath, writeFileAtomic, type CacheKind } from '../util/cached.js';
import { KptrlabError } from '../util/errors.js';
import { runChild } from '../util/child.js';
import { hashFile } from '../util/hash.js';
import { machineMirror, type DebianMirror } from './apt-sources.js';

/** A verified package file in the cache. */
export interface FetchedPackage {
  path: string;
  version: string;
  sha256: string;
}

/** Downloaded packages; the name is apt's, known only after the download, so they are published by hand. */
export const debianPackages: CacheKind = {
  name: 'sources/debian',
  dir: join('sources', 'debian'),
  shape: 'file',
  match: /\.deb$/,
  companions: (path) => [`${path}.sha256`],
};

/** Private apt states (lists, sources.list) per suite: refreshed in place, so only gc's age rule removes them. */
export const aptStates: CacheKind = { name: 'sources/apt', dir: join('sources', 'apt'), expect: ['sources.list'] };

/** The one-line private sources list for a suite on the machine's mirror. */
export function privateSourcesList(mirror: DebianMirror, suite: string): string {
  return `deb [signed-by=${mirror.signedBy}] ${mirror.uri} ${suite} main\n`;
}

/** apt-get options that confine apt to the private state under `dir`. */
export function privateAptOptions(dir: string): string[] {
  const opts: Record<string, string> = {
    'Dir::Etc::SourceList': join(dir, 'sources.list'),
    'Dir::Etc::SourceParts': '/dev/null',
    'Dir::State::Lists': join(dir, 'lists'),
    'Dir::Cache': join(dir, 'cache'),
    // Root runs the download itself; the _apt user may not reach the cache folder.
    'APT::Sandbox::User': 'root',
  };
  return Object.entries(opts).flatMap(([key, value]) => ['-o', `${key}=${value}`]);
}

/** Fetches `pkg` from `suite` into `destDir` (reusing a file already there), verified against the signed Release. */
export async function fetchDebianPackage(pkg: string, suite: string, aptDir: string, destDir: string): Promise<FetchedPackage> {
  const mirror = await machineMirror();
  await mkdir(join(aptDir, 'lists/partial'), { recursive: true });
  await mkdir(join(aptDir, 'cache/archives/partial'), { recursive: true });
  await writeFile(join(aptDir, 'sources.list'), privateSourcesList(mirror, suite));
  const opts = privateAptOptions(aptDir);
  const stamp = join(aptDir, 'updated-at');
  if (await fresh(stamp)) return fetchKnown(pkg, opts, aptDir, destDir, mirror, suite);
  await runChild('apt-get', [...opts, 'update'], { stage: `apt-get update (${suite})`, timeoutMs: 15 * 60_000 }).catch((error: unknown) => {
    throw new KptrlabError('APT_UPDATE_FAILED', `could not read ${suite} from ${mirror.uri}`, {
      hint: `Check network access to the mirror and that ${mirror.signedBy} holds the ${suite} signing key.`,
      cause: error,
    });
  });
  await writeFile(stamp, new Date().toISOString());
  return fetchKnown(pkg, opts, aptDir, destDir, mirror, suite);
}

// Lists updated less than a day ago are reused, so a cache hit needs no network; KPTRLAB_APT_REFRESH=1 forces an update.
// (apt dates list files by the server's Last-Modified, hence our own stamp.)
async function fresh(stamp: string): Promise<boolean> {
  if (process.env.KPTRLAB_APT_REFRESH === '1') return false;
  const info = await stat(stamp).catch(() => undefined);
  return info !== undefined && Date.now() - info.mtimeMs < 24 * 3_600_000;
}

async function fetchKnown(pkg: string, opts: string[], aptDir: string, destDir: string, mirror: DebianMirror, suite: string): Promise<FetchedPackage> {
  const policy = await runChild('apt-cache', [...opts, 'policy', pkg], { stage: 'apt-cache policy' });
  const version = /Candidate:\s*(\S+)/.exec(policy.stdout)?.[1];
  if (!version || version === '(none)') {
    throw new KptrlabError('APT_NO_PACKAGE', `${pkg} is not in ${suite} on ${mirror.uri}`, {
      hint: 'Pick the suite that carries the package (kernels.source.suite in config/ab.yaml).',
    });
  }
  await mkdir(destDir, { recursive: true });
  const existing = (await readdir(destDir)).find((f) => f.startsWith(`${pkg}_${version.replace(/^\d+:/, '')}_`) && f.endsWith('.deb'));
  if (existing) {
    await markUsed(join(destDir, existing));
    return { path: join(destDir, existing), version, sha256: await knownSha(join(destDir, existing)) };
  }
  // A temp folder beside the packages: a partial .deb never has its final name, and gc knows whose it is.
  const scratch = tempPath(join(destDir, pkg));
  try {
    await mkdir(scratch);
    await runChild('apt-get', [...opts, 'download', `${pkg}=${version}`], { stage: `apt-get download ${pkg}`, cwd: scratch, timeoutMs: 60 * 60_000 });
    const file = (await readdir(scratch)).find((f) => f.endsWith('.deb'));
    if (!file) throw new KptrlabError('APT_DOWNLOAD_FAILED', `apt-get download ${pkg} produced no .deb`, { hint: 'Run the same apt-get command by hand to see why.' });
    const sha256 = await hashFile(join(scratch, file));
    // The hash goes first: a .deb in destDir always has its recorded hash beside it.
    await writeFileAtomic(join(destDir, `${file}.sha256`), sha256);
    await rename(join(scratch, file), join(destDir, file));
    return { path: join(destDir, file), version, sha256 };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

// apt verified the file when it downloaded it; its recorded hash saves re-reading it on every build.
async function knownSha(path: string): Promise<string> {
  const recorded = (await readFile(`${path}.sha256`, 'utf8').catch(() => '')).trim();
  if (/^[0-9a-f]{64}$/.test(recorded)) return recorded;
  const sha256 = await hashFile(path);
  await writeFileAtomic(`${path}.sha256`, sha256);
  return sha256;
}
