// Persists results as they arrive: the file is rewritten atomically after every change, so a crash loses nothing done.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { RunResults } from './model.js';

export class ResultsStore {
  constructor(readonly path: string, readonly results: RunResults) {
    mkdirSync(dirname(path), { recursive: true });
    this.flush();
  }

  /** Applies a change and writes the whole file (tmp + rename: readers never see half a file). */
  update(change: (results: RunResults) => void): void {
    change(this.results);
    this.flush();
  }

  flush(): void {
    const partial = `${this.path}.tmp`;
    writeFileSync(partial, `${JSON.stringify(this.results, null, 2)}\n`);
    renameSync(partial, this.path);
  }
}
