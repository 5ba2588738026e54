// The libbpf the native binding links: config/libbpf.yaml's kernel source (or KPTRLAB_LIBBPF_TREE), built static.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { Cursor } from '../util/yaml-cursor.js';
import { ExitCode, KptrlabError } from '../util/errors.js';
import { projectPath } from '../util/paths.js';
import { parseSource } from './kernel-config.js';
import { staticLibbpf, type LibbpfTarget, type StaticLibbpf } from './libbpf-static.js';
import { resolveSource, type SourceSpec } from './source.js';

export const LIBBPF_CONFIG = projectPath('config', 'libbpf.yaml');

/** The libbpf source named by a config file, or the local tree in KPTRLAB_LIBBPF_TREE. */
export function bindingLibbpfSource(env: NodeJS.ProcessEnv = process.env, file = LIBBPF_CONFIG): SourceSpec {
  if (env.KPTRLAB_LIBBPF_TREE) return { kind: 'dir', path: env.KPTRLAB_LIBBPF_TREE };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new KptrlabError('CONFIG_NOT_FOUND', `cannot read ${file}`, { hint: 'Restore config/libbpf.yaml from git, or set KPTRLAB_LIBBPF_TREE to a Linux source tree.', cause: error, exitCode: ExitCode.usage });
  }
  const root = Cursor.root(relative(process.cwd(), file) || file, text);
  root.keys(['source']);
  return parseSource(root.at('source'));
}

/** Resolves (downloads once) the source and returns its static libbpf for `target`. */
export async function bindingLibbpf(target: LibbpfTarget = { arch: 'host' }, spec: SourceSpec = bindingLibbpfSource()): Promise<StaticLibbpf> {
  const source = await resolveSource(spec);
  return staticLibbpf(source.tree, source.id, source.describe, target);
}
