// Starts the agent as a child, feeds it a request file and turns its stdout lines into events.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import type { AgentEvent, AgentRequest } from '../agent/protocol.js';
import { runChild } from '../util/child.js';
import { KptrlabError } from '../util/errors.js';
import { trackTempDir } from '../util/lifecycle.js';
import { projectPath } from '../util/paths.js';

export const AGENT_ENTRY = projectPath('dist', 'harness', 'agent', 'main.js');

/** Runs the local agent for one request; a crash or a missing 'done' is an infrastructure error. */
export async function runLocalAgent(request: AgentRequest, onEvent: (event: AgentEvent) => void, timeoutMs: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kptrlab-agent-'));
  const untrack = trackTempDir(dir);
  const requestPath = join(dir, 'request.json');
  writeFileSync(requestPath, JSON.stringify(request));
  let done = false;
  try {
    const result = await runChild(process.execPath, [AGENT_ENTRY, requestPath], {
      stage: `agent ${request.op}`,
      timeoutMs,
      allowFailure: true,
      onLine: (line, stream) => {
        if (stream !== 'stdout' || !line.startsWith('{')) return;
        const event = JSON.parse(line) as AgentEvent;
        if (event.type === 'done') done = true;
        onEvent(event);
      },
    });
    if (!done) {
      const tail = result.stderr.trim().split('\n').slice(-8).join('\n');
      throw new KptrlabError('AGENT_CRASHED', `agent ${request.op} ended without finishing (exit ${result.exitCode})${tail ? `:\n${tail}` : ''}`, {
        hint: 'Results received so far are kept; the stderr tail above says where the agent stopped.',
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    untrack();
  }
}
