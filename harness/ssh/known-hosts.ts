// Host keys of real machines, known before the first connection: OpenSSH public-key lines, SHA256 fingerprints, known_hosts files.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { KptrlabError } from '../util/errors.js';
import { fingerprint } from './host-key.js';

/** How a lab machine is reached: address, login, identity and the host keys pinned for it. */
export interface MachineAddress {
  host: string;
  port: number;
  user: string;
  /** Private key file on this machine. */
  identity: string;
  /** Pinned SHA256 fingerprints (hostKey:), or a known_hosts file read at connect time (knownHosts:). */
  hostKeys: { fingerprints: string[] } | { knownHosts: string };
  connectTimeoutSec: number;
}

/** How a lab machine is power-cycled and rebooted: argument lists, like a LAVA device dictionary's commands. */
export interface MachinePower {
  /** Resets the machine from outside (a PDU, a BMC, QMP); none: a machine that does not come back is given up on. */
  hardReset?: string[];
  /** Brings the machine back to its default kernel (on the machine). */
  reboot: string[];
  /** How long the hard-reset command may take. */
  resetTimeoutSec: number;
}

const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

/** The SHA256 fingerprint of one pin: "SHA256:..." as is, or an OpenSSH public key ("ssh-ed25519 AAAA... [comment]"); undefined when it is neither. */
export function pinFingerprint(pin: string): string | undefined {
  const text = pin.trim();
  if (FINGERPRINT.test(text)) return text;
  const [type, blob] = text.split(/\s+/);
  if (!type || !blob || !/^(ssh-|ecdsa-|sk-)/.test(type) || !/^[A-Za-z0-9+/]+={0,2}$/.test(blob)) return undefined;
  const key = Buffer.from(blob, 'base64');
  // The blob starts with its own type name: a pasted key of another type is not a pin.
  const nameLength = key.length >= 4 ? key.readUInt32BE(0) : -1;
  if (nameLength <= 0 || key.subarray(4, 4 + nameLength).toString() !== type) return undefined;
  return fingerprint(key);
}

/** How known_hosts names a host on a port: plain "host" on 22, "[host]:port" elsewhere. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

// A hashed entry is |1|base64(salt)|base64(HMAC-SHA1(salt, name)).
function hashedMatches(pattern: string, name: string): boolean {
  const [, magic, salt, hash] = pattern.split('|');
  if (magic !== '1' || !salt || !hash) return false;
  return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
}

/** Fingerprints known_hosts text holds for host:port (plain and hashed entries; @revoked lines and wildcards are not used). */
export function knownHostsFingerprints(text: string, host: string, port: number): string[] {
  const name = knownHostsName(host, port);
  const found: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith('@')) continue;
    const [names, ...key] = line.split(/\s+/);
    const matches = names!.startsWith('|') ? hashedMatches(names!, name) : names!.split(',').includes(name);
    const print = matches ? pinFingerprint(key.join(' ')) : undefined;
    if (print) found.push(print);
  }
  return found;
}

/** Reads a known_hosts file for host:port; HOST_KEY_UNKNOWN (with the fix) when it has no entry. */
export function fingerprintsFromKnownHosts(file: string, host: string, port: number): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new KptrlabError('HOST_KEY_UNKNOWN', `cannot read the known_hosts file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { hint: 'Point knownHosts: at an existing file, or pin the key with hostKey:.', cause: error });
  }
  const found = knownHostsFingerprints(text, host, port);
  if (found.length === 0) {
    throw new KptrlabError('HOST_KEY_UNKNOWN', `${file} has no host key for ${knownHostsName(host, port)}`, {
      hint: `Check the key out of band (on the machine: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) and add its line to ${file}, or set hostKey: "SHA256:..." in the machine's entry. kptrlab never trusts a first connection to a real machine.`,
    });
  }
  return found;
}

/** ssh2 host verifier for a real machine: only the pinned keys; the key that was offered is kept for the error message. */
export class PinnedHostKeys {
  /** Set when the machine offered a key that is not pinned. */
  mismatch: { expected: string; got: string } | undefined;

  constructor(readonly fingerprints: readonly string[]) {
    if (fingerprints.length === 0) throw new Error('PinnedHostKeys needs at least one fingerprint');
  }

  get value(): string {
    return this.fingerprints.join(', ');
  }

  verify(key: Buffer): boolean {
    const got = fingerprint(key);
    if (this.fingerprints.includes(got)) return true;
    this.mismatch = { expected: this.value, got };
    return false;
  }
}
