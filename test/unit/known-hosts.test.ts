// Host keys of real machines against OpenSSH's own tools: ssh-keygen's fingerprints, its known_hosts hashing.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fingerprint } from '../../harness/ssh/host-key.js';
import { fingerprintsFromKnownHosts, knownHostsFingerprints, knownHostsName, pinFingerprint, PinnedHostKeys } from '../../harness/ssh/known-hosts.js';
import { connectError } from '../../harness/ssh/session.js';
import { makeHostKey } from '../helpers/sshd.js';

const dir = mkdtempSync(join(tmpdir(), 'kptrlab-known-hosts-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const a = makeHostKey(join(dir, 'a'));
const b = makeHostKey(join(dir, 'b'));
const blobOf = (line: string) => Buffer.from(line.split(' ')[1]!, 'base64');

t.test('a public key line gives the fingerprint ssh-keygen prints; a fingerprint stays as it is', async (t) => {
  t.equal(pinFingerprint(a.hostKeyLine), a.fingerprint);
  t.equal(fingerprint(blobOf(a.hostKeyLine)), a.fingerprint, 'the fingerprint of the raw key ssh2 hands the verifier');
  t.equal(pinFingerprint(` ${a.fingerprint} `), a.fingerprint);
  t.not(a.fingerprint, b.fingerprint);
});

t.test('what is not a key or a fingerprint is refused', async (t) => {
  t.equal(pinFingerprint('SHA256:short'), undefined);
  t.equal(pinFingerprint('MD5:aa:bb'), undefined);
  t.equal(pinFingerprint('ssh-ed25519'), undefined);
  t.equal(pinFingerprint(`ssh-rsa ${a.hostKeyLine.split(' ')[1]}`), undefined, 'an ed25519 blob under another type name');
  t.equal(pinFingerprint('ssh-ed25519 not*base64'), undefined);
});

t.test('known_hosts: plain, bracketed-port and hashed entries match only their host and port', async (t) => {
  const text = [
    '# a comment',
    `lab1.example,10.0.0.5 ${a.hostKeyLine}`,
    `[10.0.0.6]:2222 ${b.hostKeyLine}`,
    `@revoked lab2.example ${b.hostKeyLine}`,
  ].join('\n');
  t.same(knownHostsFingerprints(text, 'lab1.example', 22), [a.fingerprint]);
  t.same(knownHostsFingerprints(text, '10.0.0.5', 22), [a.fingerprint]);
  t.same(knownHostsFingerprints(text, '10.0.0.5', 2222), [], 'same host, other port');
  t.same(knownHostsFingerprints(text, '10.0.0.6', 2222), [b.fingerprint]);
  t.same(knownHostsFingerprints(text, 'lab2.example', 22), [], '@revoked lines pin nothing');
  t.equal(knownHostsName('h', 22), 'h');
  t.equal(knownHostsName('h', 2200), '[h]:2200');
  // ssh-keygen -H hashes the names the way ssh does.
  const file = join(dir, 'known_hosts');
  writeFileSync(file, `lab3.example ${a.hostKeyLine}\n[lab4.example]:2022 ${b.hostKeyLine}\n`);
  execFileSync('ssh-keygen', ['-q', '-H', '-f', file]);
  const hashed = readFileSync(file, 'utf8');
  t.notMatch(hashed, /lab3/, 'the names are hashed');
  t.same(fingerprintsFromKnownHosts(file, 'lab3.example', 22), [a.fingerprint]);
  t.same(fingerprintsFromKnownHosts(file, 'lab4.example', 2022), [b.fingerprint]);
  t.throws(() => fingerprintsFromKnownHosts(file, 'lab5.example', 22), { code: 'HOST_KEY_UNKNOWN', message: /no host key for lab5.example/ });
  t.throws(() => fingerprintsFromKnownHosts(join(dir, 'missing'), 'lab3.example', 22), { code: 'HOST_KEY_UNKNOWN', message: /cannot read/ });
});

t.test('a pinned machine accepts only its keys, and the refusal names both fingerprints and the fix', async (t) => {
  const pin = new PinnedHostKeys([a.fingerprint]);
  t.ok(pin.verify(blobOf(a.hostKeyLine)));
  t.notOk(pin.verify(blobOf(b.hostKeyLine)));
  t.same(pin.mismatch, { expected: a.fingerprint, got: b.fingerprint });
  const error = connectError(new Error('Handshake failed: host key verification failed'), { host: 'lab1', port: 22, username: 'root', privateKey: '', pin, timeoutMs: 1 });
  t.equal(error.code, 'SSH_HOST_KEY');
  t.match(error.message, `offered ${b.fingerprint}`);
  t.match(error.message, `pins ${a.fingerprint}`);
  t.match(error.hint, /ssh-keygen -lf/);
  t.throws(() => new PinnedHostKeys([]), /at least one/, 'no pin is no trust-on-first-use');
});
