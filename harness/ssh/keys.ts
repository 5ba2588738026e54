// Per-run SSH client key: generated in memory (no key file on disk), OpenSSH formats.
import ssh2 from 'ssh2';
import { KptrlabError } from '../util/errors.js';

export interface ClientKey {
  /** OpenSSH private key text, for ssh2's privateKey option. */
  privateKey: string;
  /** One authorized_keys line. */
  publicKey: string;
}

// ssh2's own parser rejects about 1 in 200 of the ed25519 keys it generates ("Malformed OpenSSH private key");
// such a key made a boot wait out its whole timeout, so a key is only used once ssh2 can read it back.
const KEY_TRIES = 20;

/** True when ssh2 can parse the private key text (what connect() will do with it). */
export function keyParses(privateKey: string): boolean {
  return !(ssh2.utils.parseKey(privateKey) instanceof Error);
}

/** A fresh ed25519 key pair for one VM boot, one that ssh2 can read back. */
export function generateClientKey(comment = 'kptrlab'): ClientKey {
  for (let i = 0; i < KEY_TRIES; i++) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519', { comment });
    if (keyParses(pair.private)) return { privateKey: pair.private, publicKey: pair.public };
  }
  throw new KptrlabError('SSH_KEY', `ssh2 could not read back any of ${KEY_TRIES} generated ed25519 keys`, { hint: 'Reinstall the npm packages (npm ci); this is an ssh2 problem, not the guest.' });
}
