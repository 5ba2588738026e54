// Reads the guest's serial console log (a file QEMU appends to): whole text, tail, ready marker.
import { existsSync, readFileSync } from 'node:fs';

export class ConsoleLog {
  constructor(readonly path: string) {}

  /** The whole console so far ('' before QEMU created the file). */
  text(): string {
    return existsSync(this.path) ? readFileSync(this.path, 'latin1') : '';
  }

  /** The last `count` non-empty lines, for error messages. */
  tail(count = 20): string[] {
    return this.text()
      .replace(/\r/g, '')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .slice(-count);
  }

  /** True once a full line containing `marker` has been printed. */
  hasLine(marker: string): boolean {
    return this.text().split('\n').some((line) => line.includes(marker));
  }
}
