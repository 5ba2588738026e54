// Runs a child in its own process group with a timeout and line callbacks; argument arrays only, never a shell.
import { execa, type ResultPromise } from 'execa';
import { KptrlabError } from './errors.js';
import { signalGroup, trackGroup } from './lifecycle.js';

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
  if (out.timedOut) {
    throw new KptrlabError('CHILD_TIMEOUT', `${options.stage}: ${file} did not finish within ${options.timeoutMs} ms`, { cause: result });
  }
  if (out.exitCode !== 0 && !options.allowFailure) {
    const tail = out.stderr.trim().split('\n').slice(-5).join('\n');
    const ended = out.signal ? `was killed by ${out.signal}` : `exited with ${out.exitCode}`;
    throw new KptrlabError('CHILD_FAILED', `${options.stage}: ${file} ${ended}${tail ? `:\n${tail}` : ''}`, { cause: result });
  }
  return out;
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
