// A LAVA lab for tests: a config with machine targets written to a temp folder, jobs generated with this host's BTF
// and binding standing in for a built kernel's, and LAVA's own job validator (test/helpers/lava_validate.py).
import { execa } from 'execa';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateLavaJobs, type WrittenJob } from '../../harness/ci/lava-generate.js';
import { LAVA_REPORT_BUNDLE } from '../../harness/ci/lava-bundle.js';
import { loadRunConfig } from '../../harness/config/load.js';
import { NATIVE_PATH } from '../../harness/native/loader.js';
import { AGENT_BUNDLE } from '../../harness/targets/agent-bundle.js';
import { sha256OfFile } from '../../harness/util/hash.js';
import { projectPath } from '../../harness/util/paths.js';

// Debian's interpreter, where lava-common installs.
const PYTHON = '/usr/bin/python3';
const VALIDATOR = projectPath('test', 'helpers', 'lava_validate.py');
const HOST_KEY = 'SHA256:FWOWbEemWMeZ1Ab+goN7J5vuH0agCNZk6wvQfXXCGsA';

/** A run config in `dir` with a kernels: section, the given machines (inventory entries as YAML flow maps) and targets. */
export function writeLavaConfig(dir: string, machines: Record<string, string>, targets: string[], bench = '{enabled: true, sizes: [16], variants: [stock, walk], samples: 10, warmup: 1, lookups: 100, repeat: 2}'): string {
  const file = join(dir, 'lava-lab.yaml');
  writeFileSync(file, [
    'name: lava-lab',
    'kernels:',
    '  source: {kind: debian, package: linux-source-7.3, suite: trixie-backports}',
    `  series: {dir: ${projectPath('config', 'patches', 'kptr-nonown')}, patches: [0001-bpf-allow-kptr_xchg-under-lock.patch]}`,
    `  fragments: [${projectPath('config', 'kernel', 'base.config')}]`,
    '  variants: {patched: {description: the series}}',
    'machines:',
    ...Object.entries(machines).map(([name, entry]) => `  ${name}: {host: 10.0.0.9, identity: /dev/null, hostKey: "${HOST_KEY}", ${entry}}`),
    'targets:',
    ...targets.map((target) => `  - ${target}`),
    `probes: ${projectPath('programs', 'probes')}`,
    `verify: {enabled: true, cases: ${projectPath('programs', 'cases')}}`,
    `bench: ${bench.replace('{', `{program: ${projectPath('programs', 'bench', 'rbtree_bench.bpf.c')}, `)}`,
    '',
  ].join('\n'));
  return file;
}

/** Generates the jobs: this host's BTF and binding stand in for the built kernel's, a small file for its image. */
export async function generateForTest(configFile: string, outputDir: string, options: { artifactsUrl: string; workDir?: string }): Promise<WrittenJob[]> {
  const config = loadRunConfig(configFile);
  mkdirSync(outputDir, { recursive: true });
  const image = join(outputDir, 'fake-bzImage');
  writeFileSync(image, 'not a kernel: the job is validated, not booted\n');
  return generateLavaJobs(config, {
    artifactsUrl: options.artifactsUrl,
    outputDir,
    workDir: options.workDir,
    kptrlab: { version: '0.1.0', commit: 'test' },
    configHash: sha256OfFile(configFile),
    agentBundle: AGENT_BUNDLE,
    reportBundle: LAVA_REPORT_BUNDLE,
    // This host's kernel stands in for the built one: its banner is what the job must find running.
    resolveKernel: async (target) => ({ image, btf: '/sys/kernel/btf/vmlinux', banner: readFileSync('/proc/version', 'utf8').trim(), provenance: { source: 'test', variant: target.kernel.variant } }),
    resolveNative: async () => NATIVE_PATH,
  });
}

/** LAVA's schema check of job files (strict, as a server does on submit). */
export async function validateLavaJobs(paths: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const result = await execa(PYTHON, [VALIDATOR, ...paths], { reject: false });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}
