// Reads the machine's own apt configuration (deb822 and one-line forms) to find its Debian mirror.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { KptrlabError } from '../util/errors.js';

/** One `deb` source entry as apt sees it. */
export interface AptSourceEntry {
  uri: string;
  suites: string[];
  components: string[];
  signedBy: string | undefined;
}

/** The mirror and keyring chosen for fetching Debian packages from another suite. */
export interface DebianMirror {
  uri: string;
  signedBy: string;
}

const defaultKeyring = '/usr/share/keyrings/debian-archive-keyring.gpg';

/** Parses deb822 `.sources` text into `deb` entries (deb-src and disabled stanzas are skipped). */
export function parseDeb822(text: string): AptSourceEntry[] {
  const entries: AptSourceEntry[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    let last: string | undefined;
    for (const raw of stanza.split('\n')) {
      if (raw.startsWith('#') || raw.trim() === '') continue;
      // Continuation lines start with white space and extend the previous field.
      if (/^\s/.test(raw) && last) {
        fields.set(last, `${fields.get(last) ?? ''} ${raw.trim()}`);
        continue;
      }
      const match = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(raw);
      if (!match) continue;
      last = match[1]!.toLowerCase();
      fields.set(last, match[2]!.trim());
    }
    const types = (fields.get('types') ?? '').split(/\s+/);
    if (!types.includes('deb') || fields.get('enabled')?.toLowerCase() === 'no') continue;
    const words = (key: string) => (fields.get(key) ?? '').split(/\s+/).filter(Boolean);
    for (const uri of words('uris')) {
      entries.push({ uri, suites: words('suites'), components: words('components'), signedBy: fields.get('signed-by') });
    }
  }
  return entries;
}

/** Parses one-line `sources.list` text into `deb` entries, options like [signed-by=...] included. */
export function parseOneLine(text: string): AptSourceEntry[] {
  const entries: AptSourceEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    const match = /^deb\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)\s*(.*)$/.exec(line);
    if (!match) continue;
    const options = match[1] ?? '';
    const signed = /signed-by=(\S+)/.exec(options);
    entries.push({ uri: match[2]!, suites: [match[3]!], components: match[4]!.split(/\s+/).filter(Boolean), signedBy: signed?.[1] });
  }
  return entries;
}

/** Picks the entry that serves the machine's own release (codename exactly, main component). */
export function chooseMirror(entries: readonly AptSourceEntry[], codename: string): DebianMirror | undefined {
  const serving = entries.filter((e) => e.suites.includes(codename) && e.components.includes('main'));
  const chosen = serving[0];
  if (!chosen) return undefined;
  return { uri: chosen.uri.replace(/\/+$/, ''), signedBy: chosen.signedBy ?? defaultKeyring };
}

/** Reads /etc/os-release's VERSION_CODENAME. */
export function parseCodename(osRelease: string): string | undefined {
  return /^VERSION_CODENAME=("?)([^"\n]*)\1$/m.exec(osRelease)?.[2] || undefined;
}

/** Derives the Debian mirror from this machine's apt configuration (root defaults to /). */
export async function machineMirror(root = '/'): Promise<DebianMirror> {
  const aptDir = join(root, 'etc/apt');
  const osRelease = await readFile(join(root, 'etc/os-release'), 'utf8').catch(() => '');
  const codename = parseCodename(osRelease);
  const entries: AptSourceEntry[] = [];
  entries.push(...parseOneLine(await readFile(join(aptDir, 'sources.list'), 'utf8').catch(() => '')));
  const partsDir = join(aptDir, 'sources.list.d');
  const names = (await readdir(partsDir).catch(() => [] as string[])).sort();
  for (const name of names) {
    const text = await readFile(join(partsDir, name), 'utf8').catch(() => '');
    if (name.endsWith('.sources')) entries.push(...parseDeb822(text));
    else if (name.endsWith('.list')) entries.push(...parseOneLine(text));
  }
  const mirror = codename ? chooseMirror(entries, codename) : undefined;
  if (!mirror) {
    throw new KptrlabError('APT_NO_MIRROR', `no apt source for the Debian release ${codename ?? '(unknown codename)'} with component main in ${aptDir}`, {
      hint: 'Add a Debian mirror to /etc/apt/sources.list.d/debian.sources, or use a git/dir/tarball kernel source instead.',
    });
  }
  return mirror;
}
