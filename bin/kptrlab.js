#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm run build`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
const main = fileURLToPath(new URL('../dist/harness/cli/main.js', import.meta.url));
if (!existsSync(main)) {
  process.stderr.write('kptrlab: not built yet. Run `npm ci` (or `npm run build`) in the project folder first.\n');
  process.exit(69);
}
await import(main);
