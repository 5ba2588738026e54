// Per-run SSH client key: generated in memory (no key file on disk), OpenSSH formats.
import ssh2 from 'ssh2';

export interface ClientKey {
  /** OpenSSH private key text, for ssh2's privateKey option. */
  privateKey: string;
  /** One authorized_keys line. */
  publicKey: string;
}

/** A fresh ed25519 key pair for one VM boot. */
export function generateClientKey(comment = 'kptrlab'): ClientKey {
  const pair = ssh2.utils.generateKeyPairSync('ed25519', { comment });
  return { privateKey: pair.private, publicKey: pair.public };
}
