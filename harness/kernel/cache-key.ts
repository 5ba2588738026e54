// Cache keys: one for a finished kernel (everything that shapes it), one for the build tree variants share.
import type { Arch } from '../util/arch.js';
import { hashParts } from '../util/hash.js';
import type { HashedOp } from './series.js';
import type { ToolchainInfo } from './toolchain.js';

// Bump when the builder's own steps change what a build produces.
const builderVersion = 'kptrlab-kernel-1';

/** Everything that determines a kernel's content. */
export interface KeyInputs {
  sourceId: string;
  arch: Arch;
  ops: readonly HashedOp[];
  fragments: ReadonlyArray<{ name: string; text: string }>;
  toolchain: ToolchainInfo;
}

function treeParts(inputs: KeyInputs): string[] {
  const tools = inputs.toolchain;
  return [
    builderVersion,
    inputs.sourceId,
    inputs.arch,
    ...inputs.fragments.flatMap((f) => [f.name, f.text]),
    tools.gcc,
    tools.ld,
    tools.pahole,
    tools.make,
  ];
}

/** Key of a built kernel: source, series, fragments, toolchain, arch. */
export function kernelKey(inputs: KeyInputs): string {
  const series = inputs.ops.map((op) => `${op.reverse ? 'R' : 'A'}:${op.sha256}`);
  return `${inputs.arch}-${hashParts([...treeParts(inputs), 'series', ...series]).slice(0, 24)}`;
}

/** Key of the build tree that every variant of one (source, arch, config, toolchain) reuses. */
export function treeKey(inputs: KeyInputs): string {
  return `${inputs.arch}-${hashParts(treeParts(inputs)).slice(0, 24)}`;
}
