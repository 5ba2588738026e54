import t from 'tap';
import { chooseMirror, parseCodename, parseDeb822, parseOneLine } from '../../harness/kernel/apt-sources.js';
import { privateAptOptions, privateSourcesList } from '../../harness/kernel/apt-fetch.js';

// Sample mirror names are placeholders (example.org): the project never hard-codes a real mirror.
const deb822 = `Types: deb
# a snapshot comment
URIs: http://mirror.example.org/debian/
Suites: bookworm bookworm-updates
Components: main contrib
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.example.org/debian-security
Suites: bookworm-security
Components: main

Types: deb-src
URIs: http://src.example.org/debian
Suites: bookworm
Components: main

Types: deb
Enabled: no
URIs: http://disabled.example.org/debian
Suites: bookworm
Components: main
`;

t.test('deb822: picks the stanza that serves the release, skips deb-src and disabled ones', async (t) => {
  const entries = parseDeb822(deb822);
  t.equal(entries.length, 2);
  t.same(chooseMirror(entries, 'bookworm'), { uri: 'http://mirror.example.org/debian', signedBy: '/usr/share/keyrings/debian-archive-keyring.gpg' });
});

t.test('one-line sources with options and comments', async (t) => {
  const text = '# deb http://old.example.org/debian bookworm main\ndeb [arch=amd64 signed-by=/etc/apt/keyrings/x.gpg] http://one.example.org/debian bookworm main non-free\ndeb http://sec.example.org/debian-security bookworm-security main\n';
  const entries = parseOneLine(text);
  t.equal(entries.length, 2);
  t.same(chooseMirror(entries, 'bookworm'), { uri: 'http://one.example.org/debian', signedBy: '/etc/apt/keyrings/x.gpg' });
  t.same(chooseMirror(parseOneLine('deb http://plain.example.org/debian bookworm main'), 'bookworm')?.signedBy, '/usr/share/keyrings/debian-archive-keyring.gpg');
});

t.test('no matching release gives undefined', async (t) => {
  t.equal(chooseMirror(parseDeb822(deb822), 'trixie'), undefined);
});

t.test('codename from os-release, quoted or not', async (t) => {
  t.equal(parseCodename('NAME="Debian"\nVERSION_CODENAME=bookworm\n'), 'bookworm');
  t.equal(parseCodename('VERSION_CODENAME="trixie"\n'), 'trixie');
  t.equal(parseCodename('NAME=x\n'), undefined);
});

t.test('the private list and apt options confine apt to a private folder', async (t) => {
  t.equal(privateSourcesList({ uri: 'http://m.example.org/debian', signedBy: '/k.gpg' }, 'trixie-backports'), 'deb [signed-by=/k.gpg] http://m.example.org/debian trixie-backports main\n');
  const opts = privateAptOptions('/c/apt');
  t.ok(opts.includes('Dir::Etc::SourceParts=/dev/null'));
  t.ok(opts.includes('Dir::State::Lists=/c/apt/lists'));
  t.ok(opts.includes('Dir::Cache=/c/apt/cache'));
  t.ok(opts.includes('Dir::Etc::SourceList=/c/apt/sources.list'));
});
