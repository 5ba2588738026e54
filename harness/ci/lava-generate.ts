// `kptrlab ci lava`: per lab machine target, the files a LAVA job fetches (published by the user at one URL, by
// content) and its job definition. Kernels and bindings are resolved by the caller (built, cached, or a test's stand-ins).
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { stringify } from 'yaml';
import { vmlinuxHeader } from '../bpf/vmlinux-header.js';
import type { LavaDevice } from '../config/machines.js';
import type { MachineTargetConfig, RunConfig } from '../config/run-config.js';
import type { Provenance, RunInfo } from '../results/model.js';
import { SERIES_LEVEL } from '../results/vocab.js';
import { bpfSources, compileSet } from '../suites/compile-set.js';
import { ExitCode, KptrlabError } from '../util/errors.js';
import { sha256OfFile } from '../util/hash.js';
import { projectRoot } from '../util/paths.js';
import type { Arch } from '../util/arch.js';
import { lavaJob } from './lava-job.js';
import { LAVA_PLAN_SCHEMA, LAVA_PLAN_VERSION, type LavaPlan } from './lava-plan.js';
import { lavaSteps } from './lava-requests.js';
import { testShellSteps, type FetchedFile } from './lava-shell.js';

/** Where the job works on the machine (removed and made again at its start). */
export const LAVA_WORK_DIR = '/var/tmp/kptrlab-lava';

export interface LavaKernelFiles {
  image: string;
  /** The vmlinux (or raw BTF) the BPF objects are compiled against. */
  btf: string;
  provenance: Omit<Provenance['kernel'], 'release'>;
  /** The vmlinux's "Linux version ..." banner, when found. */
  banner?: string;
}

export interface LavaGenerateOptions {
  /** Base URL the user publishes `<output>/publish/` at. */
  artifactsUrl: string;
  outputDir: string;
  kptrlab: RunInfo['kptrlab'];
  configHash: string;
  agentBundle: string;
  reportBundle: string;
  resolveKernel: (target: LavaTarget) => Promise<LavaKernelFiles>;
  resolveNative: (arch: Arch) => Promise<string>;
  /** The job's work folder on the machine (default LAVA_WORK_DIR). */
  workDir?: string;
}

export type LavaTarget = MachineTargetConfig & { machine: { lava: LavaDevice; arch: Arch }; kernel: { variant: string; append: string[] } };

export interface WrittenJob {
  target: string;
  job: string;
}

function configError(message: string, hint: string): KptrlabError {
  return new KptrlabError('CONFIG_INVALID', message, { hint, exitCode: ExitCode.usage });
}

/** The config's machine targets, each checked for what a LAVA job needs (lava:, arch:, kernel:, series: for the benchmark). */
export function lavaTargets(config: RunConfig): LavaTarget[] {
  const machines = config.targets.filter((target): target is MachineTargetConfig => target.kind === 'machine');
  if (!machines.length) throw configError(`${config.file}: no target of kind: machine, so no LAVA job to write`, 'Add a machine target (docs/lab-machines.md) whose inventory entry has lava: {deviceType: ...}.');
  return machines.map((target) => {
    const where = `${target.machine.file}: machines.${target.machine.name}`;
    if (!target.machine.lava) throw configError(`${where}.lava is missing (target ${target.name})`, 'Add lava: {deviceType: <the lab\'s device type>, boot: kexec|u-boot|grub} to the machine (docs/ci-lava.md).');
    if (!target.machine.arch) throw configError(`${where}.arch is missing (target ${target.name})`, 'Add arch: x86_64 or arm64: the kernel and the objects are built for it.');
    if (!target.kernel) throw configError(`${config.file}: target ${target.name} has no kernel: {variant: ...}`, 'A LAVA job deploys a built kernel: add kernel: {variant: <a variant of kernels:>} to the target.');
    if (config.bench.enabled && target.bench && !target.series) throw configError(`${config.file}: target ${target.name} has no series:`, 'Declare series: (absent, lock, v5 or full): the job splits the benchmark variants for that level before it runs.');
    return target as LavaTarget;
  });
}

/** Writes `<output>/publish/files/*` and `<output>/jobs/<target>.yaml` per LAVA target; returns the job files. */
export async function generateLavaJobs(config: RunConfig, options: LavaGenerateOptions): Promise<WrittenJob[]> {
  const targets = lavaTargets(config);
  const base = options.artifactsUrl.replace(/\/+$/, '');
  const publish = resolve(options.outputDir, 'publish');
  const jobsDir = resolve(options.outputDir, 'jobs');
  mkdirSync(join(publish, 'files'), { recursive: true });
  mkdirSync(jobsDir, { recursive: true });
  // Published by content: files/<sha256><suffix>; the same name in the job's work folder.
  const put = (local: string, suffix: string): FetchedFile => {
    const sha256 = sha256OfFile(local);
    const path = `files/${sha256}${suffix}`;
    copyFileSync(local, join(publish, path));
    return { url: `${base}/${path}`, path, sha256 };
  };
  const putText = (text: string, suffix: string, scratch: string): FetchedFile => {
    writeFileSync(scratch, text);
    return put(scratch, suffix);
  };
  const written: WrittenJob[] = [];
  for (const target of targets) {
    const { machine } = target;
    const kernel = await options.resolveKernel(target);
    const header = await vmlinuxHeader(kernel.btf);
    const fromRoot = (path: string) => resolve(projectRoot, path);
    const probes = await compileSet(bpfSources(fromRoot(config.probes)), header, machine.arch);
    if (probes.errors.length) throw new KptrlabError('PROBE_COMPILE', `${target.name}: the capability probes did not compile: ${probes.errors[0]!.firstError}`, { hint: 'Fix the first clang error (programs/probes).' });
    const cases = config.verify.enabled ? await compileSet(bpfSources(fromRoot(config.verify.cases)), header, machine.arch) : { objects: [], errors: [] };
    const benchEnabled = config.bench.enabled && target.bench;
    const bench = benchEnabled ? await compileSet([fromRoot(config.bench.program)], header, machine.arch) : { objects: [], errors: [] };
    const objects = [...probes.objects, ...cases.objects, ...bench.objects].map((object) => ({ object, fetched: put(object.path, '.bpf.o') }));
    const fileOf = (object: { path: string }) => objects.find((entry) => entry.object.path === object.path)!.fetched.path;
    const benchLevel = benchEnabled && bench.objects[0] && target.series ? SERIES_LEVEL[target.series] : undefined;
    const steps = await lavaSteps(config, { probes: probes.objects, cases: cases.objects, bench: bench.objects[0] }, benchLevel, fileOf);
    const plan: LavaPlan = {
      schema: LAVA_PLAN_SCHEMA,
      schemaVersion: LAVA_PLAN_VERSION,
      target: target.name,
      machine: machine.name,
      config: { file: config.file, hash: options.configHash },
      targets: targets.map((entry) => entry.name),
      kptrlab: options.kptrlab,
      ...(target.series ? { series: target.series } : {}),
      kernel: kernel.provenance,
      ...(kernel.banner ? { banner: kernel.banner } : {}),
      objects: objects.map(({ object, fetched }) => ({ file: fetched.path, source: relative(projectRoot, object.source), hash: object.hash })),
      compileErrors: [...cases.errors, ...bench.errors].map((error) => ({ source: relative(projectRoot, error.source), firstError: error.firstError })),
      verifyLogLevel: config.verify.logLevel,
      ...(benchLevel && bench.objects[0] ? { bench: { config: config.bench, level: benchLevel, objectHash: bench.objects[0].hash } } : {}),
      steps,
    };
    const scratch = join(publish, '.scratch');
    const requests = steps.map((step) => ({ name: step.name, file: putText(JSON.stringify(step.request), '.json', scratch) }));
    // One line: the job prints it into its log, where the merge reads it back.
    const planFile = putText(JSON.stringify(plan), '.plan.json', scratch);
    const agent = put(options.agentBundle, '.mjs');
    const report = put(options.reportBundle, '.mjs');
    const native = put(await options.resolveNative(machine.arch), '.node');
    const kernelFile = put(kernel.image, '.kernel');
    const testSteps = testShellSteps({
      workDir: options.workDir ?? LAVA_WORK_DIR,
      node: machine.node,
      execTimeoutSec: machine.execTimeoutSec,
      // The two environment steps send one request: fetched once.
      files: [...new Map([agent, report, native, planFile, ...requests.map((request) => request.file), ...objects.map((entry) => entry.fetched)].map((file) => [file.path, file])).values()],
      agent: agent.path,
      native: native.path,
      report: report.path,
      plan: planFile.path,
      steps: requests.map((request) => ({ name: request.name, request: request.file.path })),
    });
    const job = lavaJob({ plan, device: machine.lava, kernel: { url: kernelFile.url, sha256: kernelFile.sha256, arch: machine.arch, append: target.kernel.append }, testSteps, execTimeoutSec: machine.execTimeoutSec });
    const jobFile = join(jobsDir, `${target.name.replace(/[^A-Za-z0-9._-]+/g, '_')}.yaml`);
    // No YAML anchors: each action spells its own values, as a person reading the job expects.
    writeFileSync(jobFile, stringify(job, { lineWidth: 0, aliasDuplicateObjects: false }));
    written.push({ target: target.name, job: jobFile });
  }
  rmSync(join(publish, '.scratch'), { force: true });
  return written;
}
