// Runs a child in its own process group with a timeout and line callbacks; argument arrays only, never a shell.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { KptrlabError } from './errors.js';
import { signalGroup, trackGroup } from './lifecycle.js';
import { childLogDir } from './paths.js';

/** How many of a failed child's last output lines go into the error the user sees. */
export const FAILURE_TAIL_LINES = 20;

export interface ChildOptions {
  /** Names the stage for error messages ("clang compile", "kernel build"). */
  stage: string;
  cwd?: string;
  env?: Record<string, string | undefined>;
  input?: string | Uint8Array;
  timeoutMs?: number;
  /** Called for every output line as it arrives. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** When true, a non-zero exit is returned instead of thrown. */
  allowFailure?: boolean;
}

export interface ChildResult {
  /** -1 when the child was ended by a signal (see `signal`). */
  exitCode: number;
  signal: string | undefined;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs `file args` to completion; throws a KptrlabError naming the stage on failure or timeout. */
export async function runChild(file: string, args: readonly string[], options: ChildOptions): Promise<ChildResult> {
  let child: ResultPromise;
  try {
    child = execa(file, args, {
      cwd: options.cwd,
      env: options.env,
      extendEnv: true,
      input: options.input,
      detached: true,
      reject: false,
      stripFinalNewline: false,
      // stdout+stderr merged in arrival order: the failure tail and the kept log read like the terminal would.
      all: true,
      buffer: true,
      maxBuffer: 256 * 1024 * 1024,
    });
  } catch (error) {
    throw new KptrlabError('CHILD_SPAWN', `${options.stage}: could not start ${file}`, { cause: error });
  }
  const pid = child.pid;
  const untrack = pid === undefined ? () => false : trackGroup(pid);
  if (options.onLine) attachLineReaders(child, options.onLine);
  // The timeout signals the whole group: a grandchild holding the output pipe would otherwise keep us waiting.
  let timedOut = false;
  const timers: NodeJS.Timeout[] = [];
  if (options.timeoutMs !== undefined && pid !== undefined) {
    timers.push(
      setTimeout(() => {
        timedOut = true;
        signalGroup(pid, 'SIGTERM');
        timers.push(setTimeout(() => signalGroup(pid, 'SIGKILL'), 5000));
      }, options.timeoutMs),
    );
  }
  const result = await child;
  for (const timer of timers) clearTimeout(timer);
  untrack();
  // Grandchildren (make's compilers, qemu helpers) must not outlive the stage.
  if (pid !== undefined) signalGroup(pid, 'SIGKILL');
  if (result.failed && result.exitCode === undefined && result.signal === undefined && !timedOut) {
    throw new KptrlabError('CHILD_SPAWN', `${options.stage}: could not run ${file}: ${result.shortMessage}`, {
      hint: `Check that ${file} is installed (bash .ci/install-deps installs the project's packages).`,
      cause: result,
    });
  }
  const out: ChildResult = {
    exitCode: result.exitCode ?? -1,
    signal: result.signal,
    stdout: String(result.stdout ?? ''),
    stderr: String(result.stderr ?? ''),
    timedOut,
  };
  const all = String(result.all ?? '');
  if (out.timedOut) {
    throw new KptrlabError('CHILD_TIMEOUT', `${options.stage}: ${file} did not finish within ${options.timeoutMs} ms${failureReport(options.stage, file, args, all)}`, { cause: result });
  }
  if (out.exitCode !== 0 && !options.allowFailure) {
    const ended = out.signal ? `was killed by ${out.signal}` : `exited with ${out.exitCode}`;
    throw new KptrlabError('CHILD_FAILED', `${options.stage}: ${file} ${ended}${failureReport(options.stage, file, args, all)}`, { cause: result });
  }
  return out;
}

/** The last lines of a failed child's output plus where its whole output was kept (": ...tail...\n(whole output: path)"). */
export function failureReport(stage: string, file: string, args: readonly string[], output: string, dir = childLogDir()): string {
  const lines = output.replace(/\n+$/, '').split('\n');
  const tail = lines.slice(-FAILURE_TAIL_LINES).join('\n');
  const log = keepLog(stage, `$ ${[file, ...args].join(' ')}\n${output}`, dir);
  const where = log ? `whole output (${lines.length} lines): ${log}` : 'the whole output could not be saved';
  return output.trim() ? `:\n${tail}\n(${where})` : ` with no output (${where})`;
}

/** Writes a failure's whole output beside the run's results (or the cache's logs/); its path, or undefined when it cannot. */
export function keepLog(label: string, text: string, dir = childLogDir()): string | undefined {
  try {
    mkdirSync(dir, { recursive: true });
    const name = `${label.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^-|-$/g, '').slice(0, 60) || 'child'}-${Date.now()}-${process.pid}.log`;
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  } catch {
    return undefined;
  }
}

function attachLineReaders(child: ResultPromise, onLine: NonNullable<ChildOptions['onLine']>): void {
  for (const stream of ['stdout', 'stderr'] as const) {
    let pending = '';
    child[stream]?.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) onLine(line, stream);
    });
    child[stream]?.on('end', () => {
      if (pending) onLine(pending, stream);
    });
  }
}
