// End to end (KPTRLAB_E2E=1): builds base and patched x86_64 (cache hits once built), proves the series is
// present/absent in sources and in the built vmlinux, and that a SIGKILLed build leaves nothing trusted.
import t from 'tap';
import { spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildKernel, kernelsRoot } from '../../harness/kernel/build.js';
import { verifyEntry } from '../../harness/kernel/entry.js';
import { loadKernelsConfig, variantRequest } from '../../harness/kernel/kernel-config.js';
import { applyOps } from '../../harness/kernel/series.js';
import { resolveSource } from '../../harness/kernel/source.js';
import { processesInTree } from '../../harness/kernel/tree-users.js';
import { runChild } from '../../harness/util/child.js';
import { projectPath } from '../../harness/util/paths.js';

if (process.env.KPTRLAB_E2E !== '1') {
  t.plan(0, 'set KPTRLAB_E2E=1 to build kernels (about 20 minutes on 2 cores when the cache is cold)');
} else {
  // Cold builds take tens of minutes; tap's default per-file timeout would kill them half-way.
  t.setTimeout(4 * 3_600_000);
  const config = loadKernelsConfig(projectPath('config/ab.yaml'));
  const silent = () => {};

  // Entries of enum bpf_reg_type in kptr_xchg_dest_types (a zero ends the list), read from vmlinux's symbol table.
  async function destTypeCount(vmlinux: string): Promise<number> {
    const nm = await runChild('nm', ['-S', vmlinux], { stage: 'nm vmlinux' });
    const line = nm.stdout.split('\n').find((l) => / kptr_xchg_dest_types$/.test(l));
    if (!line) throw new Error('kptr_xchg_dest_types not in vmlinux symbols');
    const [addr, size] = line.split(' ');
    const start = BigInt(`0x${addr}`);
    const dump = await runChild('objdump', ['-s', `--start-address=0x${start.toString(16)}`, `--stop-address=0x${(start + BigInt(`0x${size}`)).toString(16)}`, vmlinux], { stage: 'objdump' });
    const hex = dump.stdout.split('\n').filter((l) => /^ [0-9a-f]+ /.test(l)).map((l) => l.slice(1).split(' ').slice(1, 5).join('')).join('');
    const words: number[] = [];
    for (let i = 0; i + 8 <= hex.length; i += 8) words.push(Buffer.from(hex.slice(i, i + 8), 'hex').readUInt32LE(0));
    const end = words.indexOf(0);
    return end < 0 ? words.length : end;
  }

  // Runs the kernel command in a child node process (as the CLI would) and collects exit code and stderr.
  async function runCli(args: string[]): Promise<{ code: number; stderr: string }> {
    const cli = projectPath('dist/harness/cli/kernel.js');
    const script = `import(${JSON.stringify(cli)}).then(async (m) => { process.exitCode = await m.kernelCommand(process.argv.slice(1)); })`;
    const result = await runChild(process.execPath, ['--input-type=module', '-e', script, ...args], { stage: 'kptrlab kernel', env: { KPTRLAB_NO_UI: '1' }, allowFailure: true });
    return { code: result.exitCode, stderr: result.stderr };
  }

  t.test('variant sources: the series lines are present in patched, absent in base, v5 lacks only MEM_RCU', async (t) => {
    const source = await resolveSource(config.source);
    const scratch = await mkdtemp(join(tmpdir(), 'kptrlab-e2e-src-'));
    t.teardown(() => rm(scratch, { recursive: true, force: true }));
    const verifier = async (variant: string) => {
      const dir = join(scratch, variant);
      await mkdir(join(dir, 'kernel/bpf'), { recursive: true });
      await copyFile(join(source.tree, 'kernel/bpf/verifier.c'), join(dir, 'kernel/bpf/verifier.c'));
      await applyOps(dir, variantRequest(config, variant, 'x86_64').ops);
      return readFile(join(dir, 'kernel/bpf/verifier.c'), 'utf8');
    };
    const lockLine = /insn->imm != BPF_FUNC_kptr_xchg\) \|\|/;
    const nonOwn = /\t\tPTR_TO_BTF_ID \| MEM_ALLOC \| NON_OWN_REF,\n/;
    const rcu = /\t\tPTR_TO_BTF_ID \| MEM_ALLOC \| NON_OWN_REF \| MEM_RCU,\n/;
    const patched = await verifier('patched');
    t.match(patched, lockLine);
    t.match(patched, nonOwn);
    t.match(patched, rcu);
    const v5 = await verifier('v5');
    t.match(v5, nonOwn);
    t.notMatch(v5, rcu);
    const base = await verifier('base');
    t.notMatch(base, lockLine);
    t.notMatch(base, nonOwn);
    t.notMatch(base, rcu);
  });

  t.test('built kernels: kptr_xchg_dest_types has 4 entries patched, 3 in v5, 2 in base', async (t) => {
    for (const [variant, count] of [['patched', 4], ['v5', 3], ['base', 2]] as const) {
      const result = await buildKernel(variantRequest(config, variant, 'x86_64'), silent);
      t.ok((await verifyEntry(result.dir, result.key)).ok, `${variant} entry verifies`);
      t.equal(await destTypeCount(result.vmlinux), count, `${variant}: ${count} destination types`);
    }
  });

  t.test('a build that does not compile shows its first compiler error and the log path, exit 1', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'kptrlab-e2e-broken-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const source = await resolveSource(config.source);
    await mkdir(join(dir, 'a/kernel/bpf'), { recursive: true });
    await mkdir(join(dir, 'b/kernel/bpf'), { recursive: true });
    const original = await readFile(join(source.tree, 'kernel/bpf/verifier.c'), 'utf8');
    await writeFile(join(dir, 'a/kernel/bpf/verifier.c'), original);
    await writeFile(join(dir, 'b/kernel/bpf/verifier.c'), original.replace('static const struct bpf_reg_types kptr_xchg_dest_types', 'kptrlab_e2e_broken;\nstatic const struct bpf_reg_types kptr_xchg_dest_types'));
    const diff = await runChild('diff', ['-u', 'a/kernel/bpf/verifier.c', 'b/kernel/bpf/verifier.c'], { stage: 'diff', cwd: dir, allowFailure: true });
    await writeFile(join(dir, 'broken.patch'), diff.stdout);
    const yaml = (await readFile(projectPath('config/ab.yaml'), 'utf8')).replace(/\n {2}variants:\n/, `\n  variants:\n    e2e-broken:\n      apply: [${join(dir, 'broken.patch')}]\n`);
    await writeFile(join(dir, 'ab.yaml'), yaml);
    const run = await runCli(['build', '--config', join(dir, 'ab.yaml'), '--variant', 'e2e-broken']);
    t.equal(run.code, 1);
    t.match(run.stderr, /first error: kernel\/bpf\/verifier\.c:\d+:\d+: (error|warning).*kptrlab_e2e_broken|first error: .*kptrlab_e2e_broken/);
    t.match(run.stderr, /full log: \S+\/\.failed\/x86_64-[0-9a-f]+\/build\.log/);
  });

  t.test('a build killed with SIGKILL leaves no entry a later run would trust', async (t) => {
    // A variant of its own (only patch 1 reversed) so the kill never touches the kernels others use.
    const yaml = (await readFile(projectPath('config/ab.yaml'), 'utf8')).replace(
      /\n {2}variants:\n/,
      '\n  variants:\n    e2e-kill:\n      reverse: [0001-bpf-allow-kptr_xchg-under-lock.patch]\n',
    );
    const dir = await mkdtemp(join(tmpdir(), 'kptrlab-e2e-kill-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'ab.yaml');
    await writeFile(file, yaml);
    const request = variantRequest(loadKernelsConfig(file), 'e2e-kill', 'x86_64');
    const cli = projectPath('dist/harness/cli/kernel.js');
    const script = `import(${JSON.stringify(cli)}).then(async (m) => { process.exitCode = await m.kernelCommand(process.argv.slice(1)); })`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, 'build', '--config', file, '--variant', 'e2e-kill'], {
      env: { ...process.env, KPTRLAB_NO_UI: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    });
    let stderr = '';
    await new Promise<void>((resolve) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (/\[compile\]/.test(stderr)) setTimeout(resolve, 3000);
      });
      child.on('exit', () => resolve());
    });
    // A power cut: node dies, then make and its compilers (their own process group) die too.
    process.kill(-child.pid!, 'SIGKILL');
    // Only the tree whose lock the killed run held: other builds may be running in other trees.
    const treeDir = join(kernelsRoot(), '.trees');
    const locks = (await readdir(treeDir)).filter((name) => name.endsWith('.lock'));
    const held = [];
    for (const name of locks) if (Number.parseInt(await readFile(join(treeDir, name), 'utf8'), 10) === child.pid) held.push(name.slice(0, -'.lock'.length));
    t.equal(held.length, 1, 'the killed run held exactly one tree lock');
    for (const pid of (await Promise.all(held.map((name) => processesInTree(join(treeDir, name))))).flat()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    t.match(stderr, /\[compile\]/, 'the build reached the compile stage before the kill');
    const after = await buildKernel({ ...request }, silent).then((r) => r, (e: unknown) => e);
    t.ok(after && typeof after === 'object' && 'key' in after, 'the next run rebuilds instead of trusting leftovers');
    if (after && typeof after === 'object' && 'key' in after) {
      const result = after as Awaited<ReturnType<typeof buildKernel>>;
      t.equal(result.hit, false, 'nothing from the killed run was reused as an entry');
      t.ok((await verifyEntry(result.dir, result.key)).ok);
      await rm(result.dir, { recursive: true, force: true });
    }
  });
}
