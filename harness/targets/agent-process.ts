// Starts the agent as a child, feeds it a request file and turns its stdout lines into events.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentEvent, AgentRequest } from '../agent/protocol.js';
import { AgentStream } from './agent-stream.js';
import { runChild } from '../util/child.js';
import { trackTempDir } from '../util/lifecycle.js';
import { agentBundle } from './agent-bundle.js';

/** Runs the local agent for one request; a crash or a missing 'done' is an infrastructure error. */
export async function runLocalAgent(request: AgentRequest, onEvent: (event: AgentEvent) => void, timeoutMs: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kptrlab-agent-'));
  const untrack = trackTempDir(dir);
  const requestPath = join(dir, 'request.json');
  writeFileSync(requestPath, JSON.stringify(request));
  const stream = new AgentStream(onEvent);
  try {
    const result = await runChild(process.execPath, [agentBundle(), requestPath], {
      stage: `agent ${request.op}`,
      timeoutMs,
      allowFailure: true,
      onLine: (line, source) => {
        if (source === 'stdout') stream.line(line);
      },
    });
    stream.assertFinished(`agent ${request.op}`, String(result.exitCode), result.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    untrack();
  }
}
