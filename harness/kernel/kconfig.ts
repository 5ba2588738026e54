// Kernel configuration: tinyconfig + fragments merged by merge_config.sh, olddefconfig, then a survival check.
import { readFile } from 'node:fs/promises';
import { join, basename } from 'node:path';
import { runChild } from '../util/child.js';
import { KptrlabError } from '../util/errors.js';
import type { MakeEnv } from './toolchain.js';

/** An option a fragment asked for that olddefconfig changed or dropped. */
export interface LostOption {
  option: string;
  wanted: string;
  got: string;
  fragment: string;
}

/** Parses .config / fragment text into option → value ('n' for "is not set"). */
export function parseKconfig(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const set = /^(CONFIG_[A-Za-z0-9_]+)=(.*)$/.exec(line.trim());
    if (set) values.set(set[1]!, set[2]!);
    const unset = /^# (CONFIG_[A-Za-z0-9_]+) is not set$/.exec(line.trim());
    if (unset) values.set(unset[1]!, 'n');
  }
  return values;
}

/** Lists every option the fragments request that the final .config does not carry. */
export function lostOptions(fragments: ReadonlyArray<{ name: string; text: string }>, finalConfig: string): LostOption[] {
  const actual = parseKconfig(finalConfig);
  const lost: LostOption[] = [];
  for (const fragment of fragments) {
    for (const [option, wanted] of parseKconfig(fragment.text)) {
      const got = actual.get(option) ?? 'n';
      if (got !== wanted) lost.push({ option, wanted, got, fragment: fragment.name });
    }
  }
  return lost;
}

/** Writes `.config` in `tree`: make tinyconfig, merge the fragments, olddefconfig, verify every request survived. */
export async function configure(tree: string, env: MakeEnv, fragments: readonly string[], log: (line: string) => void): Promise<void> {
  const make = (target: string) =>
    runChild('make', [...env.makeArgs, target], { stage: `make ${target}`, cwd: tree, onLine: log, timeoutMs: 10 * 60_000 });
  await make('tinyconfig');
  await runChild(join(tree, 'scripts/kconfig/merge_config.sh'), ['-m', '.config', ...fragments], {
    stage: 'merge_config.sh',
    cwd: tree,
    env: env.vars,
    onLine: log,
    timeoutMs: 5 * 60_000,
  });
  await make('olddefconfig');
  const texts = await Promise.all(fragments.map(async (f) => ({ name: basename(f), text: await readFile(f, 'utf8') })));
  const lost = lostOptions(texts, await readFile(join(tree, '.config'), 'utf8'));
  if (lost.length > 0) {
    const list = lost.map((l) => `${l.option}=${l.wanted} (from ${l.fragment}) became ${l.got === 'n' ? 'unset' : l.got}`).join('\n  ');
    throw new KptrlabError('KCONFIG_OPTION_LOST', `olddefconfig dropped ${lost.length} requested option(s):\n  ${list}`, {
      hint: 'Add the options they depend on to the fragment (see the Kconfig "depends on" lines), or remove them for this arch.',
      exitCode: 2,
    });
  }
}
