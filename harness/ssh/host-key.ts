// Pins the guest's SSH host key at first contact of a boot and checks it on every later connection.
import { createHash } from 'node:crypto';

/** SHA256 fingerprint in OpenSSH's display form. */
export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

export class HostKeyPin {
  private pinned: string | undefined;
  /** Set when a connection presented a different key (the cause of the refused connection). */
  mismatch: { expected: string; got: string } | undefined;

  /** The pinned fingerprint (undefined before first contact). */
  get value(): string | undefined {
    return this.pinned;
  }

  /** ssh2 hostVerifier: accepts and pins the first key, then only that key. */
  verify(key: Buffer): boolean {
    const got = fingerprint(key);
    if (this.pinned === undefined) {
      this.pinned = got;
      return true;
    }
    if (got === this.pinned) return true;
    this.mismatch = { expected: this.pinned, got };
    return false;
  }

  /** Forgets the key (a new boot makes a new one). */
  reset(): void {
    this.pinned = undefined;
    this.mismatch = undefined;
  }
}
