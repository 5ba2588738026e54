import t from 'tap';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FAILURE_TAIL_LINES, runChild } from '../../harness/util/child.js';
import { describeError, KptrlabError, messageWithCauses } from '../../harness/util/errors.js';
import { childLogDir, setChildLogDir } from '../../harness/util/paths.js';
import { scratchDir } from '../helpers/scratch.js';

function fakeExecutable(body: string): string {
  const dir = scratchDir('kptrlab-fake-');
  const path = join(dir, 'fake');
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

// A zombie counts as gone: it was killed, only its parent (here pid 1) has not reaped it yet.
function alive(pid: number): boolean {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
    return state !== 'Z';
  } catch {
    return false;
  }
}

t.test('lines arrive as they are printed, arguments are not shell-parsed', async (t) => {
  const fake = fakeExecutable('echo "arg=$1"; echo err >&2');
  const lines: string[] = [];
  const result = await runChild(fake, ['a b; rm -rf /'], { stage: 'fake', onLine: (line, stream) => lines.push(`${stream}:${line}`) });
  t.equal(result.exitCode, 0);
  t.same(lines.sort(), ['stderr:err', 'stdout:arg=a b; rm -rf /']);
});

t.test('a failure names the stage and the stderr tail', async (t) => {
  const fake = fakeExecutable('echo "fatal: no tree" >&2; exit 3');
  await t.rejects(runChild(fake, [], { stage: 'kernel build' }), { code: 'CHILD_FAILED', message: /kernel build: .* exited with 3:\nfatal: no tree/ });
  const allowed = await runChild(fake, [], { stage: 'x', allowFailure: true });
  t.equal(allowed.exitCode, 3);
});

t.test('a failure quotes the last 20 lines of output (stdout and stderr together) and keeps the whole output in a log', async (t) => {
  const logs = scratchDir('kptrlab-logs-');
  setChildLogDir(logs);
  t.teardown(() => setChildLogDir(undefined));
  t.equal(childLogDir(), logs);
  // Two pipes keep their own order only: the stdout line comes first, with a pause, so the tail is deterministic.
  const fake = fakeExecutable('echo "line 1"; sleep 0.3; i=2; while [ $i -le 30 ]; do echo "line $i" >&2; i=$((i + 1)); done; exit 4');
  const error = (await runChild(fake, ['--flag'], { stage: 'mmdebstrap arm64 rootfs' }).catch((caught: unknown) => caught)) as KptrlabError;
  t.equal(error.code, 'CHILD_FAILED');
  t.equal(FAILURE_TAIL_LINES, 20);
  for (let i = 11; i <= 30; i++) t.match(error.message, new RegExp(`\\nline ${i}\\n`), `line ${i} quoted`);
  t.notMatch(error.message, /line 10\n/, 'only the last 20 lines are quoted');
  const log = /whole output \(30 lines\): (\S+)\)/.exec(error.message)?.[1];
  t.ok(log?.startsWith(logs), `the log (${log}) is in the run's folder`);
  const kept = readFileSync(log!, 'utf8');
  for (let i = 1; i <= 30; i++) t.match(kept, new RegExp(`^line ${i}$`, 'm'));
  t.match(kept, /^\$ \S+fake --flag$/m, 'the log starts with the command');
  // Wrapped by a stage error, the tail still reaches the user: the run records messageWithCauses.
  const wrapped = new KptrlabError('ROOTFS_BUILD', 'mmdebstrap could not build the arm64 root filesystem', { cause: error });
  t.match(messageWithCauses(wrapped), /could not build[^]*because: mmdebstrap arm64 rootfs: [^]*line 30/);
  t.match(describeError(wrapped), /line 30[^]*\[ROOTFS_BUILD\]/);
});

t.test('a silent failure says there was no output', async (t) => {
  const fake = fakeExecutable('exit 2');
  await t.rejects(runChild(fake, [], { stage: 'quiet' }), { code: 'CHILD_FAILED', message: /exited with 2 with no output \(whole output/ });
});

t.test('a timeout kills the whole process group, grandchildren included', async (t) => {
  const pidFile = join(scratchDir('kptrlab-pid-'), 'pid');
  const fake = fakeExecutable(`sleep 300 & echo $! > ${pidFile}; wait`);
  const error = await runChild(fake, [], { stage: 'qemu boot', timeoutMs: 500 }).catch((caught: unknown) => caught);
  t.ok(error instanceof KptrlabError);
  t.equal((error as KptrlabError).code, 'CHILD_TIMEOUT');
  t.match((error as KptrlabError).message, /qemu boot: .* did not finish within 500 ms/);
  t.ok(existsSync(pidFile));
  const grandchild = Number(readFileSync(pidFile, 'utf8'));
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.notOk(alive(grandchild), `grandchild ${grandchild} was killed`);
});

t.test('a missing binary is a clear error', async (t) => {
  await t.rejects(runChild('/nonexistent/kptrlab-tool', [], { stage: 'probe' }), { code: 'CHILD_SPAWN', message: /probe: could not run/ });
});
