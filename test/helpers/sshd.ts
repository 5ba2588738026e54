// A real OpenSSH server on a loopback port, as a lab machine for tests: its own host key, config and authorized key; stop() leaves nothing.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateClientKey } from '../../harness/ssh/keys.js';
import { freePort } from '../../harness/qemu/free-port.js';

export const SSHD = '/usr/sbin/sshd';

export interface TestSshd {
  port: number;
  dir: string;
  /** Private key file the server accepts (for root). */
  identity: string;
  /** The server's host key as OpenSSH prints it: "SHA256:...". */
  fingerprint: string;
  /** The host key's public line ("ssh-ed25519 AAAA..."). */
  hostKeyLine: string;
  stop(): Promise<void>;
}

/** Why the rig cannot run here (no sshd, not root), or undefined. */
export function sshdSkipReason(): string | undefined {
  if (!existsSync(SSHD)) return `${SSHD} is missing (openssh-server: bash scripts/install-deps)`;
  if (process.getuid?.() !== 0) return 'the loopback lab machine logs in as root: run the tests as root';
  return undefined;
}

/** Makes an ed25519 host key with ssh-keygen; returns its fingerprint and public line. */
export function makeHostKey(path: string): { fingerprint: string; hostKeyLine: string } {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'kptrlab-test-host', '-f', path]);
  const fingerprint = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${path}.pub`], { encoding: 'utf8' }).split(' ')[1]!;
  return { fingerprint, hostKeyLine: readFileSync(`${path}.pub`, 'utf8').trim() };
}

/** Starts sshd -D on 127.0.0.1:<free port> and waits until it accepts connections. */
export async function startSshd(): Promise<TestSshd> {
  const dir = mkdtempSync(join(tmpdir(), 'kptrlab-sshd-'));
  const hostKey = makeHostKey(join(dir, 'host_ed25519'));
  const client = generateClientKey('kptrlab-test-client');
  const identity = join(dir, 'id_ed25519');
  writeFileSync(identity, client.privateKey, { mode: 0o600 });
  writeFileSync(join(dir, 'authorized_keys'), `${client.publicKey}\n`, { mode: 0o600 });
  const port = await freePort();
  writeFileSync(join(dir, 'sshd_config'), [
    `Port ${port}`, 'ListenAddress 127.0.0.1', `HostKey ${join(dir, 'host_ed25519')}`, `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`, 'PermitRootLogin prohibit-password', 'PasswordAuthentication no',
    'KbdInteractiveAuthentication no', 'UsePAM no', 'StrictModes no', 'Subsystem sftp internal-sftp', 'LogLevel ERROR', '',
  ].join('\n'));
  // sshd refuses to start without its privilege-separation folder (systemd makes it on a normal host).
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const child = spawn(SSHD, ['-D', '-e', '-f', join(dir, 'sshd_config')], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await waitForPort(port, child, () => stderr);
  return {
    port, dir, identity, ...hostKey,
    stop: () => stopGroup(child).then(() => rmSync(dir, { recursive: true, force: true })),
  };
}

async function waitForPort(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`sshd exited (${child.exitCode}): ${stderr()}`);
    if (await accepts(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stopGroup(child);
  throw new Error(`sshd did not listen on 127.0.0.1:${port} within 10 s: ${stderr()}`);
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

// The listener and its per-connection children share the process group: all of it goes.
async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      // Already gone.
    }
    await exited;
  }
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // No session process left.
  }
}
