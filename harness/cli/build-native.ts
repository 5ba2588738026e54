// `npm run build:native`: builds better-sqlite3's addon when it is missing or for another Node, the static libbpf from
// the configured kernel tree, then the binding with node-gyp.
import { existsSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bindingLibbpf, bindingLibbpfSource } from '../kernel/binding-libbpf.js';
import { runChild } from '../util/child.js';
import { describeError, KptrlabError } from '../util/errors.js';
import { projectPath, projectRoot } from '../util/paths.js';

/** What the binding was built with; doctor and results read it back through the binding itself. */
export const BINDING_LIBBPF_RECORD = projectPath('harness', 'native', 'build', 'libbpf.json');

const say = (line: string) => process.stderr.write(`build:native: ${line}\n`);

/** --nodedir when this Node ships its headers (Debian's and NodeSource's do): node-gyp then downloads nothing. */
export function nodeDirArgs(execPath: string = process.execPath): string[] {
  const prefix = dirname(dirname(execPath));
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
}

/** Why better-sqlite3's addon cannot be used by this Node (missing, another ABI, broken), or undefined when it loads. */
export async function sqliteAddonProblem(addon: string): Promise<string | undefined> {
  if (!existsSync(addon)) return 'not built';
  // Loaded in a child: a NODE_MODULE_VERSION mismatch must not stay loaded (or crash) in this process.
  const check = await runChild(process.execPath, ['-e', `require(${JSON.stringify(addon)})`], { stage: 'better-sqlite3 load check', allowFailure: true, timeoutMs: 60_000 });
  if (check.exitCode === 0) return undefined;
  const reason = `${check.stdout}${check.stderr}`.split('\n').find((line) => /NODE_MODULE_VERSION|Error/.test(line));
  return `does not load on Node ${process.version} (ABI ${process.versions.modules}): ${reason?.trim() ?? `exit ${check.exitCode}`}`;
}

/**
 * better-sqlite3's addon, built with node-gyp from the local Node headers when missing or built for another Node:
 * its own install script would try prebuilt binaries from GitHub, then node-gyp with headers from nodejs.org.
 */
export async function buildSqliteAddon(): Promise<void> {
  const require = createRequire(import.meta.url);
  const dir = dirname(require.resolve('better-sqlite3/package.json'));
  const addon = join(dir, 'build', 'Release', 'better_sqlite3.node');
  const problem = await sqliteAddonProblem(addon);
  if (!problem) {
    say(`better-sqlite3: ${addon} loads on Node ${process.version}; kept`);
    return;
  }
  say(`better-sqlite3: ${problem}; building it with node-gyp (about a minute: SQLite is one large C file)`);
  const started = Date.now();
  await runChild(process.execPath, [require.resolve('node-gyp/bin/node-gyp.js'), 'rebuild', '--release', '--jobs=max', `--directory=${dir}`, ...nodeDirArgs()], {
    stage: 'better-sqlite3 build (node-gyp)',
    cwd: dir,
    timeoutMs: 20 * 60_000,
    onLine: (line) => process.stderr.write(`  ${line}\n`),
  });
  const still = await sqliteAddonProblem(addon);
  if (still) throw new KptrlabError('SQLITE_BUILD', `better-sqlite3 was built but ${still}`, { hint: 'Check the node-gyp output above; Node\'s headers must match this Node (see nodeDirArgs).' });
  say(`better-sqlite3: built ${addon} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

/** Builds better-sqlite3 (when needed), libbpf (cached) and the binding; returns the exit code. */
export async function buildNative(): Promise<number> {
  await buildSqliteAddon();
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
