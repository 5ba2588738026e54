import t from 'tap';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runChild } from '../../harness/util/child.js';
import { KptrlabError } from '../../harness/util/errors.js';

function fakeExecutable(body: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'kptrlab-fake-'));
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

t.test('a timeout kills the whole process group, grandchildren included', async (t) => {
  const pidFile = join(mkdtempSync(join(tmpdir(), 'kptrlab-pid-')), 'pid');
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
