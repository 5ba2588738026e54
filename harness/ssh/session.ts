// One SSH connection to a guest (ssh2): exec with a timeout and line streaming, sftp upload/download.
import ssh2, { type ClientChannel, type SFTPWrapper } from 'ssh2';
import { KptrlabError } from '../util/errors.js';
import type { HostKeyPin } from './host-key.js';
import { PinnedHostKeys } from './known-hosts.js';
import { remoteCommand } from './quote.js';

export interface ConnectOptions {
  host: string;
  port: number;
  username: string;
  privateKey: string;
  /** A VM's key pinned at first contact of its boot, or a real machine's keys pinned in its inventory entry. */
  pin: HostKeyPin | PinnedHostKeys;
  /** Handshake timeout. */
  timeoutMs: number;
}

export interface ExecOptions {
  timeoutMs: number;
  stdin?: string;
  onStdoutLine?: (line: string) => void;
  onStderrLine?: (line: string) => void;
}

export interface ExecResult {
  exitCode: number | null;
  signal: string | undefined;
  stdout: string;
  stderr: string;
}

/** Maps an ssh2 connection error to a coded error naming the stage. */
export function connectError(error: Error & { level?: string; code?: string }, options: ConnectOptions): KptrlabError {
  const where = `${options.host}:${options.port}`;
  if (options.pin instanceof PinnedHostKeys && options.pin.mismatch) {
    return new KptrlabError('SSH_HOST_KEY', `SSH host key of ${where} is not the pinned one: it offered ${options.pin.mismatch.got}, the inventory pins ${options.pin.mismatch.expected}`, {
      hint: `Something else may be answering at ${where}. If the machine was reinstalled, check its new key out of band (on the machine: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) and put it in hostKey: (or knownHosts:) of its inventory entry.`,
      cause: error,
    });
  }
  if (options.pin.mismatch) {
    return new KptrlabError('SSH_HOST_KEY', `SSH host key of ${where} changed during the boot: pinned ${options.pin.mismatch.expected}, got ${options.pin.mismatch.got}`, {
      hint: 'Another process may be answering on this port; stop it and rerun.',
      cause: error,
    });
  }
  if (error.level === 'client-authentication') {
    const hint = options.pin instanceof PinnedHostKeys
      ? `The machine did not accept the identity key: add its public key to ~${options.username}/.ssh/authorized_keys there, or fix identity: in the inventory.`
      : 'The guest did not accept the per-run key: check its /root/.ssh/authorized_keys and dropbear output on the console.';
    return new KptrlabError('SSH_AUTH', `SSH auth failed for ${options.username}@${where}`, { hint, cause: error });
  }
  // QEMU's user network accepts the TCP connection even when nothing listens in the guest, then drops it.
  const dropped = /before handshake|ECONNRESET|ECONNREFUSED|Timed out/i.test(error.message);
  if (dropped || error.code === 'ECONNREFUSED' || error.code === 'ECONNRESET' || error.level === 'client-timeout') {
    return new KptrlabError('SSH_REFUSED', `SSH refused at ${where}: ${error.message}`, { hint: 'The guest SSH server is not up yet, or QEMU is not forwarding the port.', cause: error });
  }
  return new KptrlabError('SSH_REFUSED', `SSH connect to ${where} failed: ${error.message}`, { cause: error });
}

/** Opens one connection; the host key is checked against (or pinned into) options.pin. */
export function connectSsh(options: ConnectOptions): Promise<SshSession> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    let settled = false;
    // ssh2 may emit several errors for one failed attempt; only the first one counts.
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      client.end();
      client.destroy();
      reject(connectError(error, options));
    };
    // A server that stalls mid-handshake (a loaded TCG guest) or closes without an error must not hang the caller.
    const deadline = setTimeout(() => fail(Object.assign(new Error('Timed out while waiting for handshake'), { level: 'client-timeout' })), options.timeoutMs + 5_000);
    client.once('ready', () => {
      settled = true;
      clearTimeout(deadline);
      resolve(new SshSession(client));
    });
    client.on('error', fail);
    client.on('close', () => fail(new Error('Connection lost before handshake')));
    client.connect({
      host: options.host,
      port: options.port,
      username: options.username,
      privateKey: options.privateKey,
      readyTimeout: options.timeoutMs,
      hostVerifier: (key: Buffer) => options.pin.verify(key),
    });
  });
}

/** A command kept running on the other side (a lock, a guard); release() closes its stdin and resolves with its exit code. */
export interface HeldCommand {
  release(): Promise<number | null>;
}

export class SshSession {
  private closed = false;

  constructor(private readonly client: ssh2.Client) {
    // A dropped connection after use must not become an unhandled 'error'.
    client.on('error', () => undefined);
    client.on('close', () => (this.closed = true));
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Runs argv in the guest; throws SSH_COMMAND_TIMEOUT naming the command when it exceeds timeoutMs. */
  exec(argv: readonly string[], options: ExecOptions): Promise<ExecResult> {
    const command = remoteCommand(argv);
    return new Promise((resolve, reject) => {
      let stream: ClientChannel | undefined;
      // The deadline starts before the channel is asked for: a server that never opens it must not hang the caller.
      const timer = setTimeout(() => {
        stream?.close();
        reject(new KptrlabError('SSH_COMMAND_TIMEOUT', `command timed out after ${options.timeoutMs} ms in the guest${stream ? '' : ' (the channel never opened)'}: ${command}`, { hint: 'Raise execTimeoutMs, or look at the console log for a hung kernel.' }));
      }, options.timeoutMs);
      this.client.exec(command, (error, channel) => {
        if (error) {
          clearTimeout(timer);
          return reject(new KptrlabError('SSH_EXEC', `could not start \`${command}\` in the guest: ${error.message}`, { cause: error }));
        }
        stream = channel;
        const out = collect(channel, options.onStdoutLine);
        const err = collect(channel.stderr, options.onStderrLine);
        let exit: { code: number | null; signal: string | undefined } = { code: null, signal: undefined };
        channel.on('exit', (code: number | null, signal?: string) => {
          exit = { code, signal };
        });
        channel.on('close', () => {
          clearTimeout(timer);
          resolve({ exitCode: exit.code, signal: exit.signal, stdout: out.text(), stderr: err.text() });
        });
        if (options.stdin !== undefined) channel.end(options.stdin);
        else channel.end();
      });
    });
  }

  /**
   * Starts argv and keeps it running until release(): resolves once it printed readyLine, rejects with its output when it
   * exits first. Its stdin stays open, so a command that waits on stdin ends when the connection does.
   */
  hold(argv: readonly string[], readyLine: string, timeoutMs: number): Promise<HeldCommand> {
    const command = remoteCommand(argv);
    return new Promise((resolve, reject) => {
      this.client.exec(command, (error, stream) => {
        if (error) return reject(new KptrlabError('SSH_EXEC', `could not start \`${command}\`: ${error.message}`, { cause: error }));
        let settled = false;
        const output: string[] = [];
        let exitCode: number | null | undefined;
        const exited = new Promise<number | null>((done) => stream.on('close', () => done(exitCode ?? null)));
        const timer = setTimeout(() => settle(new KptrlabError('SSH_COMMAND_TIMEOUT', `\`${command}\` did not print "${readyLine}" within ${timeoutMs} ms`)), timeoutMs);
        const settle = (failure?: Error) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          if (failure) {
            stream.close();
            reject(failure);
          } else {
            resolve({
              release: () => {
                stream.end();
                return exited;
              },
            });
          }
        };
        collect(stream, (line) => (line === readyLine ? settle() : output.push(line)));
        collect(stream.stderr, (line) => output.push(line));
        stream.on('exit', (code: number | null) => {
          exitCode = code;
        });
        stream.on('exit', (code: number | null) => settle(Object.assign(new KptrlabError('SSH_HOLD_EXITED', `\`${command}\` exited (${code}) before it was ready: ${output.join(' ').trim()}`), { exitStatus: code })));
      });
    });
  }

  /** Copies a local file to the guest over sftp. */
  async upload(local: string, remote: string): Promise<void> {
    const sftp = await this.sftp();
    try {
      await new Promise<void>((resolve, reject) => sftp.fastPut(local, remote, (error) => (error ? reject(sftpError('upload', remote, error)) : resolve())));
    } finally {
      sftp.end();
    }
  }

  /** Copies a guest file to this machine over sftp. */
  async download(remote: string, local: string): Promise<void> {
    const sftp = await this.sftp();
    try {
      await new Promise<void>((resolve, reject) => sftp.fastGet(remote, local, (error) => (error ? reject(sftpError('download', remote, error)) : resolve())));
    } finally {
      sftp.end();
    }
  }

  /** Closes the connection. */
  close(): void {
    this.closed = true;
    this.client.end();
    // A peer that died (a kexec'd or crashed kernel) never answers the FIN: the half-closed socket would keep the process alive.
    setTimeout(() => this.client.destroy(), 2_000).unref();
  }

  // Dropbear occasionally refuses the subsystem right after another channel closed: retry a few times.
  private async sftp(attempts = 4): Promise<SFTPWrapper> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.openSftp();
      } catch (error) {
        if (attempt >= attempts) throw error;
        await new Promise((resolve) => setTimeout(resolve, 300 * attempt));
      }
    }
  }

  private openSftp(): Promise<SFTPWrapper> {
    return new Promise((resolve, reject) =>
      this.client.sftp((error, sftp) =>
        error ? reject(new KptrlabError('SSH_SFTP', `sftp unavailable in the guest: ${error.message}`, { hint: 'The guest needs /usr/lib/sftp-server (apt-get install openssh-sftp-server on the host).', cause: error })) : resolve(sftp),
      ),
    );
  }
}

function sftpError(what: string, remote: string, error: Error): KptrlabError {
  return new KptrlabError('SSH_SFTP', `sftp ${what} of ${remote} failed: ${error.message}`, { cause: error });
}

function collect(stream: ClientChannel | ClientChannel['stderr'], onLine: ((line: string) => void) | undefined): { text: () => string } {
  const chunks: Buffer[] = [];
  let pending = '';
  stream.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    if (!onLine) return;
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  });
  stream.on('end', () => {
    if (onLine && pending) onLine(pending);
    pending = '';
  });
  return { text: () => Buffer.concat(chunks).toString() };
}
