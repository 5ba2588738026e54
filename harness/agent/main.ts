// Agent entry (bundled into dist/agent/kptrlab-agent.mjs): `node kptrlab-agent.mjs <request.json | ->`; runs on the target, prints NDJSON events, never formats for humans.
import { readFileSync } from 'node:fs';
import { arch, release } from 'node:os';
import { libbpfVersion } from '../native/index.js';
import { runBench } from './bench.js';
import { emit } from './emit.js';
import { readEnvironment } from './environment.js';
import { probeKernel } from './probe.js';
import { AGENT_PROTOCOL_VERSION, type AgentRequest } from './protocol.js';
import { runSelftests } from './selftest.js';
import { runVeristat } from './veristat.js';
import { runVerify } from './verify.js';

function main(): number {
  const requestPath = process.argv[2];
  if (!requestPath) {
    process.stderr.write('usage: agent <request.json | ->\n');
    return 2;
  }
  // '-' reads the request from stdin (how the orchestrator sends it over SSH).
  const request = JSON.parse(readFileSync(requestPath === '-' ? 0 : requestPath, 'utf8')) as AgentRequest;
  emit({ type: 'hello', protocol: AGENT_PROTOCOL_VERSION, kernel: release(), arch: arch(), libbpf: libbpfVersion, pid: process.pid });
  if (request.op === 'probe') emit({ type: 'probe', facts: probeKernel(request) });
  else if (request.op === 'verify') runVerify(request);
  else if (request.op === 'bench') runBench(request);
  else if (request.op === 'selftest') runSelftests(request);
  else if (request.op === 'veristat') runVeristat(request);
  else if (request.op === 'environment') emit({ type: 'environment', record: readEnvironment('/', request.sampleMs) });
  else {
    process.stderr.write(`agent: unknown op ${(request as { op: string }).op}\n`);
    return 2;
  }
  emit({ type: 'done' });
  return 0;
}

process.exitCode = main();
