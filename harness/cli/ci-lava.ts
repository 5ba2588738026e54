// `kptrlab ci lava --config F --artifacts-url URL [--machines F] [--output DIR]`: a LAVA job per lab machine target,
// and the folder of files its jobs fetch (publish it at the URL). docs/ci-lava.md.
import { arch as hostArch } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { lavaReportBundle } from '../ci/lava-bundle.js';
import { generateLavaJobs, type LavaTarget } from '../ci/lava-generate.js';
import { loadRunConfig } from '../config/load.js';
import { readInventoryFile } from '../config/machines.js';
import type { RunConfig } from '../config/run-config.js';
import { buildKernel } from '../kernel/build.js';
import { variantRequest } from '../kernel/kernel-config.js';
import { NATIVE_PATH, nativeBuilt } from '../native/loader.js';
import { bindingForArch } from '../targets/binding-for-arch.js';
import { kptrlabIdentity } from '../runner/run.js';
import { builtKernelProvenance } from '../runner/targets.js';
import { agentBundle } from '../targets/agent-bundle.js';
import { kernelBanner } from '../targets/machine-boot.js';
import { archFromNode, type Arch } from '../util/arch.js';
import { ExitCode, KptrlabError } from '../util/errors.js';
import { sha256OfFile } from '../util/hash.js';

export const CI_LAVA_USAGE = `usage: kptrlab ci lava --config RUN.yaml --artifacts-url URL [--machines FILE] [--output DIR]

Writes one LAVA job definition per machine target (DIR/jobs/<target>.yaml) and the files the jobs fetch
(DIR/publish/: the kernel, the agent, its binding, the BPF objects, the requests). Publish DIR/publish/ at URL,
submit the jobs (lavacli jobs submit), then kptrlab merge the job logs. docs/ci-lava.md.

  --config FILE          the run config (its machine targets need kernel: {variant} and an inventory lava: entry)
  --artifacts-url URL    where DIR/publish/ is served (the jobs download URL/files/<sha256>...)
  --machines FILE        pick the targets' machines from this inventory instead of the config's machines:
  --output DIR           default: lava
`;

// Kernels are built for the target's arch, or taken from the cache, as a run would.
async function resolveKernel(config: RunConfig, target: LavaTarget) {
  if (!config.kernels) throw new KptrlabError('CONFIG_INVALID', `${config.file}: target ${target.name} names kernel variant ${target.kernel.variant} but the config has no kernels: section`, { hint: 'Add a kernels: section (docs/kernels.md).', exitCode: ExitCode.usage });
  process.stderr.write(`kernel ${target.kernel.variant} ${target.machine.arch}: build or reuse\n`);
  const built = await buildKernel(variantRequest(config.kernels, target.kernel.variant, target.machine.arch), (event) => {
    if (event.kind === 'stage') process.stderr.write(`kernel: ${event.message}\n`);
  });
  return { image: built.image, btf: built.vmlinux, banner: kernelBanner(built.vmlinux), provenance: builtKernelProvenance(built.dir, built.key, target.kernel.variant, config.kernels.patches) };
}

// The binding for the machine's arch: this host's build when they match, else the arm64 cross-build (cached).
async function resolveNative(arch: Arch): Promise<string> {
  if (archFromNode(hostArch()) === arch && !nativeBuilt()) throw new KptrlabError('NATIVE_NOT_BUILT', `the binding ${NATIVE_PATH} is missing`, { hint: 'Run npm run build.' });
  return bindingForArch(arch);
}

/** The machine targets re-pointed at the same-named machines of another inventory file. */
export function withInventory(config: RunConfig, file: string): RunConfig {
  const inventory = readInventoryFile(file);
  const targets = config.targets.map((target) => {
    if (target.kind !== 'machine') return target;
    const machine = inventory.get(target.machine.name);
    if (!machine) throw new KptrlabError('CONFIG_INVALID', `${file}: no machine ${target.machine.name}, which target ${target.name} of ${config.file} runs on`, { hint: `Add machines.${target.machine.name} to ${file}, or leave --machines out to use the config's.`, exitCode: ExitCode.usage });
    return { ...target, machine };
  });
  return { ...config, machines: inventory, targets };
}

/** `kptrlab ci lava`: writes the jobs and the folder to publish, prints where they are. */
export async function ciLavaCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string' }, 'artifacts-url': { type: 'string' }, machines: { type: 'string' }, output: { type: 'string', short: 'o', default: 'lava' }, help: { type: 'boolean', short: 'h' } }, strict: true });
  if (values.help) {
    process.stdout.write(CI_LAVA_USAGE);
    return ExitCode.ok;
  }
  if (!values.config) throw new KptrlabError('USAGE', 'kptrlab ci lava needs --config', { hint: CI_LAVA_USAGE, exitCode: ExitCode.usage });
  const url = values['artifacts-url'];
  if (!url || !/^(https?|file):\/\/\S+$/.test(url)) throw new KptrlabError('USAGE', `--artifacts-url ${url === undefined ? 'is missing' : `"${url}" is not an http(s):// or file:// URL`}`, { hint: 'Pass the URL the jobs download the published files from, e.g. --artifacts-url https://lab.example/kptrlab/', exitCode: ExitCode.usage });
  const loaded = loadRunConfig(values.config);
  const config = values.machines ? withInventory(loaded, values.machines) : loaded;
  const output = resolve(values.output ?? 'lava');
  const jobs = await generateLavaJobs(config, {
    artifactsUrl: url,
    outputDir: output,
    kptrlab: kptrlabIdentity(),
    configHash: sha256OfFile(config.file),
    agentBundle: agentBundle(),
    reportBundle: lavaReportBundle(),
    resolveKernel: (target) => resolveKernel(config, target),
    resolveNative,
  });
  for (const job of jobs) process.stdout.write(`${job.target}: ${job.job}\n`);
  process.stdout.write(`publish ${join(output, 'publish')}/ at ${url} (it must serve files/...), then: lavacli jobs submit ${join(output, 'jobs')}/<target>.yaml\n`);
  return ExitCode.ok;
}
