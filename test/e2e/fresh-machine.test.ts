// Fresh-machine rehearsal (KPTRLAB_E2E=1): the README's set-up passes on a clean Debian 12 root with only Node 20
// added, and a Debian package that cannot be installed fails the rehearsal at install-deps.
import t from 'tap';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runChild, type ChildResult } from '../../harness/util/child.js';
import { cacheRoot, projectPath } from '../../harness/util/paths.js';

const SCRIPT = projectPath('scripts/rehearse-fresh-machine');
const MISSING = 'kptrlab-rehearsal-no-such-package';

/** Runs the rehearsal with a KPTRLAB_ variable set on the host side, so a leak into the root would show. */
async function rehearse(args: string[]): Promise<ChildResult & { all: string }> {
  const result = await runChild('bash', [SCRIPT, ...args], {
    stage: 'rehearse-fresh-machine', env: { KPTRLAB_CACHE: cacheRoot(), KPTRLAB_NO_UI: '1' }, allowFailure: true, timeoutMs: 50 * 60_000,
  });
  return { ...result, all: `${result.stdout}${result.stderr}` };
}

/** The throwaway folder the rehearsal printed ("copy: <dir>/root (tmpfs)"). */
function copyDir(output: string): string | undefined {
  return /copy: (\S+)\/root\b/m.exec(output)?.[1];
}

/** Host mount points at or under `dir` (the rehearsal's mounts live in its own namespace and must not show). */
function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mounts', 'utf8').split('\n').map((line) => line.split(' ')[1] ?? '')
    .filter((point) => point === dir || point.startsWith(`${dir}/`));
}

/** What the rehearsal left behind: its copy folder (if it still exists) and host mounts under it. */
function leftovers(output: string): { dir: string | undefined; exists: boolean; mounts: string[] } {
  const dir = copyDir(output);
  return { dir, exists: dir !== undefined && existsSync(dir), mounts: dir ? mountsUnder(dir) : [] };
}

if (process.env.KPTRLAB_E2E !== '1') {
  t.plan(0, 'set KPTRLAB_E2E=1 to rehearse the set-up on a clean Debian 12 root (about 4 minutes, 6 with a cold image)');
} else if (process.getuid?.() !== 0) {
  t.plan(0, 'the rehearsal needs root (mmdebstrap --mode=root, mounts, chroot)');
} else if (!existsSync('/usr/bin/mmdebstrap')) {
  t.plan(0, 'mmdebstrap is not installed (bash scripts/install-deps)');
} else {
  // A cold image takes about 2 minutes; install-deps and npm ci inside download and build for several more.
  t.setTimeout(60 * 60_000);
  const logs = mkdtempSync(join(tmpdir(), 'kptrlab-e2e-fresh-'));
  t.teardown(() => {
    if (t.passing()) rmSync(logs, { recursive: true, force: true });
    else t.comment(`rehearsal logs kept in ${logs}`);
  });

  t.test('a package install-deps cannot install fails the rehearsal at that step', async (t) => {
    const log = join(logs, 'missing-package.log');
    const started = Date.now();
    const run = await rehearse(['--steps', 'env,install-deps', '--add-package', MISSING, '--log', log]);
    t.comment(`failing rehearsal: ${Date.now() - started} ms`);
    t.equal(run.exitCode, 1, 'exit 1');
    t.match(run.stderr, /FAILED at step install-deps/, 'names the step');
    t.match(run.stderr, new RegExp(`Unable to locate package ${MISSING}`), 'quotes apt');
    t.match(run.stderr, `full log: ${log}`, 'prints the log path');
    const text = readFileSync(log, 'utf8');
    t.match(text, /^HOME=\/root$/m, 'the root has its own HOME');
    t.notMatch(text, /^KPTRLAB_/m, "no KPTRLAB_ variable leaks into the root");
    const left = leftovers(run.all);
    t.ok(left.dir, 'the rehearsal named its throwaway copy');
    t.same(left.mounts, [], 'no mount left on the host');
    t.notOk(left.exists, 'throwaway copy removed');
  });

  t.test('the README set-up passes on a clean Debian 12 root', async (t) => {
    const log = join(logs, 'full.log');
    const started = Date.now();
    const run = await rehearse(['--log', log]);
    t.comment(`full rehearsal: ${Date.now() - started} ms`);
    for (const line of run.stdout.split('\n').filter((l) => /image:|in \d+ s/.test(l))) t.comment(line);
    if (run.exitCode !== 0) t.comment(run.stderr.slice(-4000));
    t.equal(run.exitCode, 0, 'exit 0');
    t.match(run.stdout, /step install-deps: ok/);
    t.match(run.stdout, /step npm-ci: ok/);
    t.match(run.stdout, /^ {2}ok +libbpf binding +\S/m, "doctor's libbpf binding line");
    const left = leftovers(run.all);
    t.ok(left.dir, 'the rehearsal named its throwaway copy');
    t.same(left.mounts, [], 'no mount left on the host');
    t.notOk(left.exists, 'throwaway copy removed');
  });
}
