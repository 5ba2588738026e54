import t from 'tap';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kernelCommand } from '../../harness/cli/kernel.js';

// Captures what the command writes so the test output stays readable.
async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const write = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
  process.stdout.write = ((chunk: string) => ((out += chunk), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => ((err += chunk), true)) as typeof process.stderr.write;
  try {
    return { code: await kernelCommand(args), out, err };
  } finally {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
  }
}

t.test('usage errors exit 2 and say what to do', async (t) => {
  t.match(await run(['frobnicate']), { code: 2, err: /unknown subcommand "frobnicate"/ });
  t.match(await run(['build', '--arch', 'sparc']), { code: 2, err: /unknown --arch "sparc"[\s\S]*fix: Use one of: x86_64, arm64/ });
  t.match(await run(['build', '--variant', 'nope']), { code: 2, err: /no kernel variant "nope"[\s\S]*base, lock, v5, patched/ });
  t.match(await run(['build', '--varient', 'base']), { code: 2, err: /Unknown option '--varient'/ });
  t.match(await run(['build', '--config', '/nonexistent.yaml']), { code: 2, err: /CONFIG_NOT_FOUND/ });
  t.match(await run(['--help']), { code: 0, out: /build\|list\|gc/ });
});

t.test('list and gc on an empty cache', async (t) => {
  const cache = await mkdtemp(join(tmpdir(), 'kptrlab-cli-'));
  const saved = process.env.KPTRLAB_CACHE;
  process.env.KPTRLAB_CACHE = cache;
  t.teardown(async () => {
    if (saved === undefined) delete process.env.KPTRLAB_CACHE;
    else process.env.KPTRLAB_CACHE = saved;
    await rm(cache, { recursive: true, force: true });
  });
  t.match(await run(['list']), { code: 0, out: /no kernels in/ });
  t.match(await run(['list', '--json']), { code: 0, out: /^\[\]/ });
  t.match(await run(['gc']), { code: 0, out: /kept 0 kernel/ });
});
