// The agent's emit on a full, non-blocking stdout pipe: a reader that stops for a while (a busy orchestrator, a slow
// SSH channel) must delay the agent, not kill it (EAGAIN) or cut a line (a partial write).
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { projectPath } from '../../harness/util/paths.js';
import { scratchDir } from '../helpers/scratch.js';

const EVENTS = 40;
const LOG_BYTES = 100_000;

// A child that makes its stdout non-blocking (touching process.stdout does, as libuv opens the pipe) and emits big events.
function childScript(emitModule: string): string {
  return `import { emit } from ${JSON.stringify(emitModule)};
process.stdout;
for (let index = 0; index < ${EVENTS}; index++) emit({ type: 'bench-rejected', variant: 'fast', log: String(index).padEnd(${LOG_BYTES}, 'x') });
`;
}

async function runPaused(script: string): Promise<{ code: number | null; lines: string[]; stderr: string }> {
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] });
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  child.stdout.pause();
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // Not read for a while: the pipe fills after the first event or so.
  await new Promise((resolve) => setTimeout(resolve, 500));
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stdout.resume();
  const code = await closed;
  return { code, lines: stdout.split('\n').filter(Boolean), stderr };
}

t.test('a reader that pauses: every event arrives whole, in order, and the agent exits 0', async (t) => {
  const dir = scratchDir('kptrlab-emit-');
  const script = join(dir, 'emit-child.mjs');
  writeFileSync(script, childScript(projectPath('dist', 'harness', 'agent', 'emit.js')));
  const { code, lines, stderr } = await runPaused(script);
  t.equal(code, 0, `the agent did not die: ${stderr.slice(0, 300)}`);
  t.equal(lines.length, EVENTS, 'one line per event');
  t.same(lines.map((line) => (JSON.parse(line) as { log: string }).log.length), Array(EVENTS).fill(LOG_BYTES), 'no line cut');
  t.same(lines.map((line) => Number.parseInt((JSON.parse(line) as { log: string }).log, 10)), Array.from({ length: EVENTS }, (_, index) => index), 'in order');
});

t.test('the failing path: a plain writeSync on the same pipe dies with EAGAIN (so the test above can fail)', async (t) => {
  const dir = scratchDir('kptrlab-emit-plain-');
  const plain = join(dir, 'plain-emit.mjs');
  writeFileSync(plain, "import { writeSync } from 'node:fs';\nexport function emit(event) { writeSync(1, `${JSON.stringify(event)}\\n`); }\n");
  const script = join(dir, 'emit-child.mjs');
  writeFileSync(script, childScript(plain));
  const { code, stderr } = await runPaused(script);
  t.not(code, 0);
  t.match(stderr, /EAGAIN/);
});
