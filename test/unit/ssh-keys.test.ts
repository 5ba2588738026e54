import t from 'tap';
import { generateClientKey, keyParses } from '../../harness/ssh/keys.js';

t.test('every per-run key can be read back by ssh2 (it rejects ~1 in 200 of its own ed25519 keys)', async (t) => {
  let unreadable = 0;
  for (let i = 0; i < 2000; i++) if (!keyParses(generateClientKey('kptrlab-test').privateKey)) unreadable++;
  t.equal(unreadable, 0, '2000 keys, all parse');
  const key = generateClientKey('kptrlab-x');
  t.match(key.publicKey, /^ssh-ed25519 \S+ kptrlab-x$/);
  const lines = key.privateKey.trim().split('\n');
  const damaged = [lines[0], lines[1]!.slice(0, 40), lines.at(-1)].join('\n');
  t.equal(keyParses(damaged), false, 'a damaged key is caught');
});
