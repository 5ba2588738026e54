// A tiny QMP client: greeting, qmp_capabilities, one command, its reply. Also a script, so a lab machine's power
// hardReset argv can be `node dist/test/helpers/qmp.js <socket> system_reset`.
import { connect } from 'node:net';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** One QMP command's `return` value; rejects with QEMU's error class and description, or a timeout. */
export function qmpCommand(socket: string, command: string, args?: Record<string, unknown>, timeoutMs = 10_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const conn = connect(socket);
    let buffered = '';
    // 0: waiting for the greeting, 1: for qmp_capabilities' reply, 2: for the command's.
    let step = 0;
    let settled = false;
    const finish = (error: Error | undefined, value?: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      conn.destroy();
      if (error) reject(error);
      else resolve(value);
    };
    const timer = setTimeout(() => finish(new Error(`QMP ${command} at ${socket}: no reply within ${timeoutMs} ms`)), timeoutMs);
    const send = (message: object) => conn.write(`${JSON.stringify(message)}\n`);
    conn.on('error', (error) => finish(new Error(`QMP ${command} at ${socket}: ${error.message}`)));
    conn.on('close', () => finish(new Error(`QMP ${command} at ${socket}: QEMU closed the socket before replying`)));
    conn.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines.filter((text) => text.trim())) {
        let message: { QMP?: unknown; return?: unknown; error?: { class: string; desc: string }; event?: string };
        try {
          message = JSON.parse(line) as typeof message;
        } catch {
          return finish(new Error(`QMP ${command} at ${socket}: not JSON: ${line.slice(0, 200)}`));
        }
        // Events (RESET, SHUTDOWN, ...) may arrive between replies.
        if (message.event !== undefined) continue;
        if (message.error) return finish(new Error(`QMP ${step === 1 ? 'qmp_capabilities' : command}: ${message.error.class}: ${message.error.desc}`));
        if (step === 0 && message.QMP !== undefined) {
          step = 1;
          send({ execute: 'qmp_capabilities' });
        } else if (step === 1 && 'return' in message) {
          step = 2;
          send(args ? { execute: command, arguments: args } : { execute: command });
        } else if (step === 2 && 'return' in message) {
          return finish(undefined, message.return);
        }
      }
    });
  });
}

/** Script entry: qmp.js <socket> <command> [json arguments]; exit 0 on a reply, 1 on an error, 2 on bad usage. */
async function main(argv: readonly string[]): Promise<number> {
  const [socket, command, json] = argv;
  if (!socket || !command) {
    process.stderr.write('usage: qmp.js <socket> <command> [json arguments]\n');
    return 2;
  }
  try {
    const value = await qmpCommand(socket, command, json ? (JSON.parse(json) as Record<string, unknown>) : undefined);
    process.stdout.write(`${JSON.stringify(value)}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 1;
  }
}

/** This file's path as a script (the dist .js), for argvs. */
export const QMP_SCRIPT = fileURLToPath(import.meta.url);

/** True when node was started on this file (not when a test imports it). */
function runAsScript(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(QMP_SCRIPT);
  } catch {
    return false;
  }
}

if (runAsScript()) void main(process.argv.slice(2)).then((code) => process.exit(code));
