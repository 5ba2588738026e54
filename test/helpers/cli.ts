// Runs the real CLI (bin/kptrlab.js) as a child, the way a user does, and reads the results file it wrote.
import { execa } from 'execa';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunResults } from '../../harness/results/model.js';
import { projectPath } from '../../harness/util/paths.js';

export const CLI = projectPath('bin', 'kptrlab.js');

// Runs end by adding themselves to the history database: tests keep theirs in a throwaway one, never the user's.
if (!process.env.KPTRLAB_HISTORY) {
  const dir = mkdtempSync(join(tmpdir(), 'kptrlab-history-'));
  process.env.KPTRLAB_HISTORY = join(dir, 'history.db');
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
}

// Output folders this process made, removed when it exits (a test reads its results before that).
const madeOutputDirs: string[] = [];
process.on('exit', () => {
  for (const dir of madeOutputDirs) rmSync(dir, { recursive: true, force: true });
});

export interface CliRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  outputDir: string;
  /** The single results.json the run wrote (undefined when none). */
  results?: RunResults;
}

/** Runs `kptrlab <args> --output <fresh dir>` and parses the results file. */
export async function runCli(args: string[], options: { env?: Record<string, string>; uid?: number; gid?: number; outputDir?: string } = {}): Promise<CliRun> {
  const outputDir = options.outputDir ?? mkdtempSync(join(tmpdir(), 'kptrlab-out-'));
  if (!options.outputDir) madeOutputDirs.push(outputDir);
  const withOutput = ['run', 'verify', 'bench', 'selftests'].includes(args[0] ?? '') ? [...args, '--output', outputDir] : args;
  const result = await execa(process.execPath, [CLI, ...withOutput], {
    reject: false,
    env: { KPTRLAB_NO_UI: '1', ...options.env },
    uid: options.uid,
    gid: options.gid,
    timeout: 20 * 60_000,
  });
  let results: RunResults | undefined;
  const runs = safeList(outputDir);
  if (runs.length === 1) results = JSON.parse(readFileSync(join(outputDir, runs[0]!, 'results.json'), 'utf8')) as RunResults;
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr), outputDir, results };
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
