// `npm run build:native`: builds the static libbpf from the configured kernel tree, then the binding with node-gyp.
import { existsSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bindingLibbpf, bindingLibbpfSource } from '../kernel/binding-libbpf.js';
import { runChild } from '../util/child.js';
import { describeError } from '../util/errors.js';
import { projectPath, projectRoot } from '../util/paths.js';

/** What the binding was built with; doctor and results read it back through the binding itself. */
export const BINDING_LIBBPF_RECORD = projectPath('harness', 'native', 'build', 'libbpf.json');

const say = (line: string) => process.stderr.write(`build:native: ${line}\n`);

/** --nodedir when this Node ships its headers (Debian's and NodeSource's do): node-gyp then downloads nothing. */
export function nodeDirArgs(execPath: string = process.execPath): string[] {
  const prefix = dirname(dirname(execPath));
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
}

/** Builds libbpf (cached) and the binding; returns the exit code. */
export async function buildNative(): Promise<number> {
  const spec = bindingLibbpfSource();
  say(`libbpf from ${spec.kind === 'debian' ? `${spec.package} (${spec.suite}); the first build downloads and unpacks it (a few minutes), later ones reuse the cache` : JSON.stringify(spec)}`);
  const libbpf = await bindingLibbpf({ arch: 'host' }, spec);
  say(`libbpf ${libbpf.version} (static): ${libbpf.archive}`);
  const nodeGyp = createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
  await runChild(process.execPath, [nodeGyp, 'rebuild', '--directory=harness/native', ...nodeDirArgs()], {
    stage: 'binding build (node-gyp)',
    cwd: projectRoot,
    env: { KPTRLAB_LIBBPF_PREFIX: libbpf.prefix, KPTRLAB_LIBBPF_VERSION: libbpf.version },
    timeoutMs: 20 * 60_000,
    onLine: (line) => process.stderr.write(`  ${line}\n`),
  });
  writeFileSync(BINDING_LIBBPF_RECORD, `${JSON.stringify({ version: libbpf.version, source: libbpf.source, archive: libbpf.archive }, null, 2)}\n`);
  say(`built ${join('harness', 'native', 'build', 'Release', 'kptrlab_bpf.node')} against libbpf ${libbpf.version}`);
  return 0;
}

// Runs only as the npm script's entry, never when a test imports the module.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) buildNative().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`build:native: ${describeError(error)}\n`);
    process.exit(typeof (error as { exitCode?: unknown }).exitCode === 'number' ? (error as { exitCode: number }).exitCode : 1);
  },
);
