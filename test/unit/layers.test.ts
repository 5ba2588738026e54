// One-way layers, checked on the sources: each folder of harness/ may import only the folders listed for it
// (Playwright's DEPS lists, in one table). A new folder, or an import that points up, fails here.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import t from 'tap';
import { projectPath } from '../../harness/util/paths.js';

// Bottom first. util and stats (pure math) import nothing of harness, results (the schema and its reducer) only stats;
// the agent travels alone (stats is bundled into it).
const ALLOWED: Record<string, readonly string[]> = {
  util: [],
  stats: [],
  results: ['stats'],
  native: [],
  agent: ['native', 'stats'],
  bpf: ['util'],
  ssh: ['util'],
  kernel: ['util'],
  config: ['kernel', 'results', 'ssh', 'util'],
  qemu: ['kernel', 'ssh', 'util'],
  targets: ['agent', 'bpf', 'native', 'qemu', 'results', 'ssh', 'util'],
  suites: ['agent', 'bpf', 'config', 'results', 'targets', 'util'],
  selftests: ['agent', 'bpf', 'config', 'kernel', 'native', 'results', 'suites', 'targets', 'util'],
  runner: ['bpf', 'config', 'history', 'kernel', 'qemu', 'results', 'selftests', 'suites', 'targets', 'util'],
  premerge: ['config', 'kernel', 'results', 'runner', 'selftests', 'util'],
  ci: ['agent', 'bpf', 'config', 'results', 'runner', 'ssh', 'suites', 'targets', 'util'],
  report: ['results'],
  history: ['results', 'util'],
  cli: ['agent', 'bpf', 'ci', 'config', 'history', 'kernel', 'native', 'premerge', 'qemu', 'report', 'results', 'runner', 'selftests', 'ssh', 'suites', 'targets', 'util'],
};

const IMPORT = /^\s*(?:import|export)\s[^'"]*?from\s+'(\.[^']+)'|^\s*import\s+'(\.[^']+)'/gm;

/** Every import of a harness file that leaves its folder for one it may not use ("file → folder"). */
export function upwardImports(files: ReadonlyMap<string, string>, allowed: Record<string, readonly string[]>): string[] {
  const problems: string[] = [];
  for (const [file, text] of files) {
    const folder = file.split('/')[0]!;
    const may = allowed[folder];
    if (!may) {
      problems.push(`${file}: folder ${folder}/ is not in the layer table`);
      continue;
    }
    for (const match of text.matchAll(IMPORT)) {
      const target = relative('.', join(dirname(file), match[1] ?? match[2]!));
      const into = target.split('/')[0]!;
      if (target.startsWith('..')) problems.push(`${file}: imports ${match[1] ?? match[2]} from outside harness/`);
      else if (into !== folder && !may.includes(into)) problems.push(`${file} → ${into}/ (${folder}/ may import ${may.join(', ') || 'nothing of harness'})`);
    }
  }
  return problems;
}

function harnessSources(): Map<string, string> {
  const root = resolve(projectPath('harness'));
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name === 'build' || entry.name.startsWith('build-')) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) files.set(relative(root, path), readFileSync(path, 'utf8'));
    }
  };
  walk(root);
  return files;
}

t.test('no harness module imports upward', async (t) => {
  const files = harnessSources();
  t.ok(files.size > 100, `read ${files.size} sources`);
  t.same(upwardImports(files, ALLOWED), []);
});

t.test('the checker catches an upward import, an import out of harness/ and an unknown folder', async (t) => {
  const planted = new Map([
    ['results/model.ts', "import type { Target } from '../targets/target.js';\n"],
    ['agent/bench.ts', "import { atLeast } from '../results/vocab.js';\n"],
    ['native/loader.ts', "export { x } from '../../test/helpers/cli.js';\n"],
    ['newfolder/a.ts', "import './b.js';\n"],
    ['suites/ok.ts', "import { judgeCase } from './verdict.js';\nimport type { Level } from '../results/vocab.js';\n"],
  ]);
  const problems = upwardImports(planted, ALLOWED);
  t.match(problems, [/results\/model\.ts → targets\//, /agent\/bench\.ts → results\/ \(agent\/ may import native, stats\)/, /native\/loader\.ts: imports .* from outside harness/, /newfolder\/ is not in the layer table/]);
  t.equal(problems.length, 4, 'a same-folder or allowed import is not a problem');
});
