// `npm run build:agent`: the agent and the binding's JS as one ES module, the unit that travels to a target
// (with the .node binding beside it). esbuild does the bundling: one well-kept tool instead of a bundler of ours.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { build } from 'esbuild';
import { AGENT_PROTOCOL_VERSION } from '../agent/protocol.js';
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
  const sha256 = sha256OfFile(AGENT_BUNDLE);
  writeFileSync(AGENT_BUNDLE_MANIFEST, `${JSON.stringify({ protocol: AGENT_PROTOCOL_VERSION, sha256 }, null, 2)}\n`);
  process.stdout.write(`agent bundle: ${AGENT_BUNDLE} (protocol ${AGENT_PROTOCOL_VERSION}, sha256 ${sha256.slice(0, 12)})\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`kptrlab build:agent: ${(error as Error).message}\n`);
  process.exitCode = 1;
});
