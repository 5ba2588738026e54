// Every fd goes away: on close(), on garbage collection of unclosed objects, and when a worker's environment ends.
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import t from 'tap';
import { BpfObject } from '../../harness/native/index.js';
import { bpfSkipReason, compileFixture, openFdCount } from '../helpers/bpf-env.js';

const skip = bpfSkipReason();
if (skip) t.comment(`skipping bpf() tests: ${skip}`);
const INDEX_URL = new URL('../../harness/native/index.js', import.meta.url).href;

t.test('fd accounting', { skip }, async (t) => {
  const globals = await compileFixture('globals');
  const reject = await compileFixture('reject');

  t.test('open/load/run/close returns to the starting fd count', async (t) => {
    const before = openFdCount();
    for (let i = 0; i < 20; i++) {
      const object = BpfObject.open(i % 2 ? reject : globals);
      const result = object.load(i % 4 === 0 ? { logSize: 512 } : undefined);
      if (result.ok) object.testRun('tc_main', { dataIn: Buffer.alloc(64) });
      object.close();
    }
    const unloaded = BpfObject.open(globals);
    unloaded.close();
    t.equal(openFdCount(), before, `fd count ${before} before and after`);
  });

  t.test('garbage collection closes unclosed objects', async (t) => {
    const script = `
      import { readdirSync } from 'node:fs';
      import { setImmediate as tick } from 'node:timers/promises';
      const { BpfObject } = await import(${JSON.stringify(INDEX_URL)});
      const count = () => readdirSync('/proc/self/fd').length;
      const before = count();
      (() => { for (let i = 0; i < 10; i++) BpfObject.open(${JSON.stringify(globals)}).load(); })();
      const leaked = count();
      for (let i = 0; i < 10; i++) { globalThis.gc(); await tick(); }
      console.log(JSON.stringify({ before, leaked, after: count() }));`;
    const output = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8' });
    const counts = JSON.parse(output.trim()) as { before: number; leaked: number; after: number };
    t.ok(counts.leaked > counts.before, `objects held fds while alive (${counts.before} → ${counts.leaked})`);
    t.equal(counts.after, counts.before, `gc closed them (${counts.after})`);
  });

  t.test('a worker exiting with open objects releases their fds (env cleanup hook)', async (t) => {
    const before = openFdCount();
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      import(workerData.url).then(({ BpfObject }) => {
        const object = BpfObject.open(workerData.path);
        object.load();
        parentPort.postMessage(require('node:fs').readdirSync('/proc/self/fd').length);
      });`;
    const worker = new Worker(code, { eval: true, workerData: { url: INDEX_URL, path: globals } });
    const [during] = (await once(worker, 'message')) as [number];
    await once(worker, 'exit');
    t.ok(during > before, `worker's object held fds (${before} → ${during})`);
    t.equal(openFdCount(), before, 'all released after the worker exited');
  });
});
