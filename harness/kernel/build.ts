// Builds one kernel variant into the content-addressed cache, reusing a shared build tree across variants.
import { createWriteStream } from 'node:fs';
import { access, copyFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Arch } from '../util/arch.js';
import { cached } from '../util/cached.js';
import { cacheRoot } from '../util/paths.js';
import { KptrlabError } from '../util/errors.js';
import { hashParts } from '../util/hash.js';
import { kernelKey, treeKey, type KeyInputs } from './cache-key.js';
import { entryFiles, kernelCache, verifyEntry, writeMarker } from './entry.js';
import type { KernelEventSink, KernelStage } from './events.js';
import { configure } from './kconfig.js';
import { firstCompilerError } from './make-progress.js';
import { hashOps, type PatchOp } from './series.js';
import { resolveSource, type SourceSpec } from './source.js';
import { makeEnv, toolchainInfo, type MakeEnv } from './toolchain.js';
import { compile, ensureTreeIdle } from './compile.js';
import { ensureTree, repairInterruptedCompile, switchSeries } from './worktree.js';

/** One kernel to build: where its source comes from, which patches, which config, which arch. */
export interface KernelBuildRequest {
  variant: string;
  source: SourceSpec;
  arch: Arch;
  ops: PatchOp[];
  /** Absolute paths of config fragments, merged in this order onto tinyconfig. */
  fragments: string[];
  jobs?: number;
  /** How long to wait for another run holding the build tree (default one hour). */
  lockWaitMs?: number;
}

/** A kernel ready in the cache. */
export interface KernelBuildResult {
  key: string;
  dir: string;
  hit: boolean;
  image: string;
  vmlinux: string;
}

/** Folder that holds every kernel entry, build tree, staging and failure folder. */
export function kernelsRoot(): string {
  return join(cacheRoot(), 'kernels');
}

/** Returns the cached kernel for `request`, building it (incrementally when a tree exists) on a miss. */
export async function buildKernel(request: KernelBuildRequest, emit: KernelEventSink): Promise<KernelBuildResult> {
  const started = Date.now();
  const durations: Record<string, number> = {};
  const timed = async <T>(stage: KernelStage, message: string, work: () => Promise<T>): Promise<T> => {
    emit({ kind: 'stage', stage, message });
    const t0 = Date.now();
    try {
      return await work();
    } finally {
      durations[stage] = (durations[stage] ?? 0) + Date.now() - t0;
    }
  };
  const source = await timed('source', `resolving ${request.source.kind} source`, () => resolveSource(request.source));
  const ops = await hashOps(request.ops);
  const fragments = await readFragments(request.fragments);
  const toolchain = await toolchainInfo(request.arch);
  const inputs: KeyInputs = { sourceId: source.id, arch: request.arch, ops, fragments, toolchain };
  const key = kernelKey(inputs);
  const dir = join(kernelsRoot(), key);
  const result = (): KernelBuildResult => ({ key, dir, hit: false, image: join(dir, entryFiles.image), vmlinux: join(dir, entryFiles.vmlinux) });
  const tkey = treeKey(inputs);
  const treeDir = join(kernelsRoot(), '.trees', tkey);
  const buildInto = async (staging: string): Promise<void> => {
    const logPath = join(staging, entryFiles.log);
    const log = createWriteStream(logPath);
    const logLines: string[] = [];
    const writeLog = (line: string) => {
      log.write(`${line}\n`);
      if (logLines.length < 200_000) logLines.push(line);
    };
    try {
      const env = makeEnv(request.arch, request.jobs);
      const tree = await timed('source', `preparing build tree ${tkey}`, () => ensureTree(treeDir, source.tree));
      await ensureTreeIdle(tree, request.lockWaitMs ?? 3_600_000, emit);
      if (await repairInterruptedCompile(tree)) emit({ kind: 'note', message: 'an earlier build in this tree was killed: removed the outputs it was writing' });
      const fresh = !(await exists(join(tree, 'vmlinux')));
      const switched = await timed('series', `${request.variant}: ${describeOps(request.ops)}`, () => switchSeries(tree, source.tree, ops));
      await timed('kconfig', 'tinyconfig + fragments + olddefconfig', () => configureOnce(tree, env, request.fragments, fragments, writeLog));
      const steps = await timed('compile', `make ${env.imageTarget} (${request.arch}${fresh ? ', full build' : ', incremental'})`, () =>
        compile(tree, join(kernelsRoot(), '.trees'), env, request.arch, fresh, writeLog, emit),
      );
      await timed('collect', 'copying artifacts', () => collect(tree, env, staging));
      const meta = {
        key,
        variant: request.variant,
        arch: request.arch,
        source: { id: source.id, describe: source.describe },
        series: ops.map((op) => ({ patch: basename(op.patch), reverse: op.reverse, sha256: op.sha256 })),
        fragments: fragments.map((f) => ({ name: f.name, sha256: hashParts([f.text]) })),
        toolchain,
        tree: tkey,
        incremental: !fresh,
        seriesSwitched: switched === 'switched',
        compileSteps: steps,
        durationsMs: { ...durations, total: Date.now() - started },
        builtAt: new Date().toISOString(),
      };
      await writeFile(join(staging, entryFiles.meta), `${JSON.stringify(meta, null, 2)}\n`);
      await new Promise<void>((resolve) => log.end(resolve));
      await writeMarker(staging, key);
    } catch (error) {
      await new Promise<void>((resolve) => log.end(resolve));
      const failedDir = join(kernelsRoot(), '.failed', key);
      await rm(failedDir, { recursive: true, force: true });
      await mkdir(join(kernelsRoot(), '.failed'), { recursive: true });
      await rename(staging, failedDir);
      const failedLog = join(failedDir, entryFiles.log);
      const message = error instanceof Error ? error.message : String(error);
      emit({ kind: 'failed', message, firstError: firstCompilerError(logLines), logPath: failedLog });
      if (error instanceof KptrlabError && error.code !== 'CHILD_FAILED') throw error;
      throw new KptrlabError('KERNEL_BUILD_FAILED', `kernel ${request.variant} (${request.arch}) did not build; log: ${failedLog}`, {
        hint: 'Read the first compiler error above and the log; fix the source, series or config and run again.',
        cause: error,
        exitCode: 1,
      });
    }
  };
  await mkdir(join(kernelsRoot(), '.trees'), { recursive: true });
  const entry = await cached(kernelCache, dir, buildInto, {
    // Re-hashed before every use: a whole run stands on this kernel.
    verify: async (path) => {
      const state = await verifyEntry(path, key);
      return state.ok ? undefined : state.reason;
    },
    // Two builds must not share one build tree at once, so the tree's lock guards the entry.
    lockPath: `${treeDir}.lock`,
    lockWaitMs: request.lockWaitMs ?? 3_600_000,
    onLockWait: (holderPid) => emit({ kind: 'lock-wait', lockPath: `${treeDir}.lock`, holderPid }),
  });
  emit(entry.hit ? { kind: 'cache-hit', key, dir } : { kind: 'built', key, dir, durationMs: Date.now() - started });
  return { ...result(), hit: entry.hit };
}

async function readFragments(paths: readonly string[]): Promise<Array<{ name: string; text: string }>> {
  return Promise.all(
    paths.map(async (path) => ({
      name: basename(path),
      text: await readFile(path, 'utf8').catch((error: unknown) => {
        throw new KptrlabError('KCONFIG_FRAGMENT_MISSING', `config fragment ${path} cannot be read`, { hint: 'Fix kernels.fragments in the config.', cause: error, exitCode: 2 });
      }),
    })),
  );
}

function describeOps(ops: readonly PatchOp[]): string {
  if (ops.length === 0) return 'source as shipped';
  return ops.map((op) => `${op.reverse ? 'reverse ' : ''}${basename(op.patch)}`).join(', ');
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}

// The tree's .config depends only on the tree key, so it is written once; a marker records success.
async function configureOnce(tree: string, env: MakeEnv, paths: readonly string[], fragments: ReadonlyArray<{ name: string; text: string }>, log: (line: string) => void): Promise<void> {
  const marker = join(tree, '.kptrlab-configured');
  const want = hashParts(fragments.flatMap((f) => [f.name, f.text]));
  if ((await readFile(marker, 'utf8').catch(() => '')) === want) return;
  await configure(tree, env, [...paths], log);
  await writeFile(marker, want);
}

async function collect(tree: string, env: MakeEnv, staging: string): Promise<void> {
  await copyFile(join(tree, env.imagePath), join(staging, entryFiles.image));
  await copyFile(join(tree, 'vmlinux'), join(staging, entryFiles.vmlinux));
  await copyFile(join(tree, '.config'), join(staging, entryFiles.config));
}
