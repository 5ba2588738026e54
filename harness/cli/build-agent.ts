// `npm run build:agent`: the agent and the binding's JS as one ES module, the unit that travels to a target
// (with the .node binding beside it). esbuild does the bundling: one well-kept tool instead of a bundler of ours.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { build } from 'esbuild';
import { AGENT_PROTOCOL_VERSION } from '../agent/protocol.js';
import { LAVA_REPORT_BUNDLE, LAVA_REPORT_ENTRY } from '../ci/lava-bundle.js';
import { AGENT_BUNDLE, AGENT_BUNDLE_MANIFEST } from '../targets/agent-bundle.js';
import { sha256OfFile } from '../util/hash.js';
import { projectPath } from '../util/paths.js';

async function main(): Promise<void> {
  mkdirSync(dirname(AGENT_BUNDLE), { recursive: true });
  await build({
    entryPoints: [projectPath('dist', 'harness', 'agent', 'main.js')],
    outfile: AGENT_BUNDLE,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    banner: { js: `// kptrlab agent bundle, protocol ${AGENT_PROTOCOL_VERSION}: agent/ and native/ only; the binding is loaded from KPTRLAB_NATIVE or the kptrlab tree.` },
    logLevel: 'warning',
  });
  // The LAVA job's reporter judges on the machine with the suites' own code (kptrlab ci lava ships it beside the agent).
  await build({
    entryPoints: [LAVA_REPORT_ENTRY],
    outfile: LAVA_REPORT_BUNDLE,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    banner: { js: `// kptrlab LAVA reporter, protocol ${AGENT_PROTOCOL_VERSION}: replays the agent's recorded steps and calls lava-test-case.` },
    logLevel: 'warning',
  });
  const sha256 = sha256OfFile(AGENT_BUNDLE);
  writeFileSync(AGENT_BUNDLE_MANIFEST, `${JSON.stringify({ protocol: AGENT_PROTOCOL_VERSION, sha256 }, null, 2)}\n`);
  process.stdout.write(`agent bundle: ${AGENT_BUNDLE} (protocol ${AGENT_PROTOCOL_VERSION}, sha256 ${sha256.slice(0, 12)})\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`kptrlab build:agent: ${(error as Error).message}\n`);
  process.exitCode = 1;
});
