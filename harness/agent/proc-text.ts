// Reading the target's own /proc, /sys and /boot files: a file that is absent or unreadable is a fact, never an error.
import { readdirSync, readFileSync } from 'node:fs';

/** A /proc, /sys or /boot file's text, or undefined when it cannot be read. */
export function readProcText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The names in a folder, sorted, or undefined when it cannot be listed. */
export function listDir(path: string): string[] | undefined {
  try {
    return readdirSync(path).sort();
  } catch {
    return undefined;
  }
}
