import t from 'tap';
import { fingerprint, HostKeyPin } from '../../harness/ssh/host-key.js';
import { generateClientKey } from '../../harness/ssh/keys.js';
import { quoteArg, remoteCommand } from '../../harness/ssh/quote.js';
import { connectError } from '../../harness/ssh/session.js';

t.test('the first host key of a boot is pinned, a different one is refused', async (t) => {
  const pin = new HostKeyPin();
  const a = Buffer.from('key-a');
  t.equal(pin.value, undefined);
  t.ok(pin.verify(a));
  t.equal(pin.value, fingerprint(a));
  t.ok(pin.verify(Buffer.from('key-a')), 'same key again');
  t.notOk(pin.verify(Buffer.from('key-b')));
  t.same(pin.mismatch, { expected: fingerprint(a), got: fingerprint(Buffer.from('key-b')) });
  const error = connectError(new Error('Host denied'), { host: '127.0.0.1', port: 1, username: 'root', privateKey: '', pin, timeoutMs: 1 });
  t.equal(error.code, 'SSH_HOST_KEY');
  pin.reset();
  t.ok(pin.verify(Buffer.from('key-b')), 'a new boot pins anew');
});

t.test('connection errors name the stage', async (t) => {
  const options = { host: '127.0.0.1', port: 2222, username: 'root', privateKey: '', pin: new HostKeyPin(), timeoutMs: 1 };
  t.equal(connectError(Object.assign(new Error('All configured authentication methods failed'), { level: 'client-authentication' }), options).code, 'SSH_AUTH');
  t.equal(connectError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), options).code, 'SSH_REFUSED');
  t.equal(connectError(new Error('Connection lost before handshake'), options).code, 'SSH_REFUSED');
});

t.test('remote commands are built from quoted argument arrays', async (t) => {
  t.equal(quoteArg('uname'), 'uname');
  t.equal(quoteArg('a b'), "'a b'");
  t.equal(remoteCommand(['sh', '-c', "echo 'x'; rm -rf /"]), `sh -c 'echo '\\''x'\\''; rm -rf /'`);
  t.equal(remoteCommand(['KPTRLAB_CACHE=/root/.cache/kptrlab', '/usr/bin/node']), 'KPTRLAB_CACHE=/root/.cache/kptrlab /usr/bin/node');
});

t.test('the per-run client key is ed25519 in OpenSSH formats', async (t) => {
  const key = generateClientKey('kptrlab-test');
  t.match(key.publicKey, /^ssh-ed25519 AAAA\S+ kptrlab-test$/);
  t.match(key.privateKey, /BEGIN OPENSSH PRIVATE KEY/);
});

t.test('a server that stalls in the handshake or closes without a word does not hang the connect', async (t) => {
  const { createServer } = await import('node:net');
  const { connectSsh } = await import('../../harness/ssh/session.js');
  for (const [what, onSocket] of [
    ['stalls after its banner', (socket: import('node:net').Socket) => socket.write('SSH-2.0-stall\r\n')],
    ['closes at once', (socket: import('node:net').Socket) => socket.end()],
  ] as const) {
    const server = createServer(onSocket);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as import('node:net').AddressInfo).port;
    const started = Date.now();
    await t.rejects(connectSsh({ host: '127.0.0.1', port, username: 'root', privateKey: generateClientKey().privateKey, pin: new HostKeyPin(), timeoutMs: 500 }), { code: 'SSH_REFUSED' }, what);
    t.ok(Date.now() - started < 8_000, `${what}: gave up in ${Date.now() - started} ms`);
    server.close();
  }
});
