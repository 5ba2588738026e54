// A series as sent: mbox messages, [PATCH vN m/n] order, mangled hunks refused (the real review thread copy), folders,
// git ranges from a real git repository.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkDiff } from '../../harness/premerge/diff-check.js';
import { decodeBody, decodeWords, splitMbox } from '../../harness/premerge/mail.js';
import { readSeries } from '../../harness/premerge/series-input.js';
import { parseSubject } from '../../harness/premerge/subject.js';
import { projectPath } from '../../harness/util/paths.js';

const scratch = () => {
  const dir = mkdtempSync(join(tmpdir(), 'kptrlab-premerge-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};

const diff = (file: string, removed: string, added: string) => `diff --git a/${file} b/${file}
index 1111111..2222222 100644
--- a/${file}
+++ b/${file}
@@ -10,3 +10,3 @@ static int f(void)
 \tint a;
-\t${removed}
+\t${added}
 \treturn a;
`;

const message = (subject: string, body: string, from = 'Dev <dev@example.org>') => `From 0123456789abcdef0123456789abcdef01234567 Mon Sep 17 00:00:00 2001
From: ${from}
Subject: ${subject}

${body}
`;

t.test('subjects: version, position, cover letter, replies', async (t) => {
  t.match(parseSubject('[PATCH bpf-next v5 2/3] bpf: accept non-owning nodes'), { version: 5, index: 2, total: 3, title: 'bpf: accept non-owning nodes', tagged: true });
  t.match(parseSubject('[RFC PATCH 0/2] bpf: cover'), { version: 1, index: 0, total: 2 });
  t.match(parseSubject('[PATCH] bpf: one fix'), { version: 1, index: undefined, tagged: true });
  t.match(parseSubject('Re: [PATCH v2 1/2] bpf: x'), { tagged: false });
});

t.test('mail: mbox separators, folded and encoded headers, transfer encodings, mboxrd quoting, a saved message without a blank line', async (t) => {
  const mbox = `${message('[PATCH 1/2] =?utf-8?q?bpf=3A_caf=C3=A9?=\n  and more', 'body one\n>From the start of a line')}\n${message('[PATCH 2/2] two', 'body two')}`;
  const messages = splitMbox(mbox);
  t.equal(messages.length, 2);
  t.equal(messages[0]!.headers.get('subject'), '[PATCH 1/2] bpf: café and more');
  t.match(messages[0]!.body, /^body one\nFrom the start of a line/, 'one level of mboxrd quoting comes off');
  t.equal(messages[1]!.line, 9, 'where the second message starts (its separator line)');
  t.equal(decodeWords('=?UTF-8?B?w6k=?= x'), 'é x');
  t.equal(decodeBody('a=3Db=\nc', 'quoted-printable'), 'a=bc');
  t.equal(decodeBody(Buffer.from('diff --git').toString('base64'), 'base64'), 'diff --git');
  const saved = splitMbox('From: Someone <s@example.org>\nWhen traversing a tree\nmore text');
  t.equal(saved.length, 1);
  t.equal(saved[0]!.headers.get('from'), 'Someone <s@example.org>');
  t.match(saved[0]!.body, /^When traversing a tree/, 'the body starts where headers stop, blank line or not');
});

t.test('diffs: a good one passes; lost leading spaces, cut-short and overlong hunks are named with file, hunk and line', async (t) => {
  const good = checkDiff(`commit message\n---\n${diff('kernel/bpf/verifier.c', 'a = 1;', 'a = 2;')}-- \n2.43.0\n`);
  t.same(good, { files: ['kernel/bpf/verifier.c'], hunks: 1, problems: [] });
  const plain = checkDiff('--- a/kernel/bpf/helpers.c\n+++ b/kernel/bpf/helpers.c\n@@ -1,2 +1,2 @@\n x\n-y\n+z\n');
  t.same(plain.files, ['kernel/bpf/helpers.c'], 'a plain diff -u names its file by ---/+++');
  t.same(plain.problems, []);
  const mangled = checkDiff(diff('kernel/bpf/verifier.c', 'a = 1;', 'a = 2;').replace(' \tint a;', '\tint a;'));
  t.match(mangled.problems, [{ file: 'kernel/bpf/verifier.c', hunk: 1, header: '@@ -10,3 +10,3 @@', line: 6, message: /neither context .* leading space was lost/ }]);
  const short = checkDiff(diff('a.c', 'x', 'y').split('\n').slice(0, 7).join('\n'));
  t.match(short.problems, [{ message: /ends 1 old and 2 new line\(s\) early/ }]);
  const long = checkDiff(diff('a.c', 'x', 'y').replace('+\ty', '+\ty\n+\tz'));
  t.match(long.problems, [{ message: /more lines than its header counts/ }]);
});

t.test('the real review-thread copy of the series is refused whole, naming the corrupt hunk', async (t) => {
  const seed = projectPath('test', 'fixtures', 'premerge', 'mangled-review-thread.txt');
  await t.rejects(readSeries(seed), {
    code: 'SERIES_MALFORMED',
    message: /patch 1\/1 .* is corrupt: kernel\/bpf\/verifier\.c, hunk #1 @@ -9260,7 \+9260,8 @@: line "static const struct bpf_reg_types kptr_xchg_dest_types = \{" is neither context.*Nothing was applied/,
    hint: /b4 am <message-id>/,
  });
});

t.test('an mbox series: newest version, ordered by m/n, cover letter and replies left out, a gap refused or allowed', async (t) => {
  const dir = scratch();
  const mbox = join(dir, 'series.mbox');
  const v1 = message('[PATCH 1/2] bpf: old', diff('kernel/bpf/verifier.c', 'x', 'old'));
  const cover = message('[PATCH v2 0/2] bpf: the series', 'why');
  const second = message('[PATCH v2 2/2] selftests/bpf: test it', diff('tools/testing/selftests/bpf/progs/x.c', 'a', 'b'));
  const first = message('[PATCH v2 1/2] bpf: do it', diff('kernel/bpf/verifier.c', 'x', 'y'));
  const reply = message('Re: [PATCH v2 1/2] bpf: do it', `> ${diff('kernel/bpf/verifier.c', 'x', 'y')}`);
  writeFileSync(mbox, [v1, cover, second, reply, first].join('\n'));
  const series = await readSeries(mbox);
  t.same(series.patches.map((patch) => [patch.index, patch.total, patch.version, patch.title, patch.files]), [[1, 2, 2, 'bpf: do it', ['kernel/bpf/verifier.c']], [2, 2, 2, 'selftests/bpf: test it', ['tools/testing/selftests/bpf/progs/x.c']]]);
  t.match(series.notes.join('\n'), /the cover letter/);
  t.match(series.notes.join('\n'), /a reply/);
  t.match(series.notes.join('\n'), /older versions \(v1\) left out: testing v2/);
  t.match(series.patches[0]!.text, /^From: Dev <dev@example.org>\nSubject: \[PATCH v2 1\/2\] bpf: do it\n\ndiff --git/);

  writeFileSync(mbox, [cover, second].join('\n'));
  await t.rejects(readSeries(mbox), { code: 'SERIES_INCOMPLETE', message: /patch 1\/2 of v2 is missing/, hint: /--allow-missing/ });
  t.same((await readSeries(mbox, { allowMissing: true })).patches.map((patch) => patch.index), [2], 'allowed: the patches present keep their numbers');
  writeFileSync(mbox, [first, first, second].join('\n'));
  await t.rejects(readSeries(mbox), { code: 'SERIES_ORDER', message: /holds patch 1\/2 twice/ });
  writeFileSync(mbox, [message('[PATCH] a', diff('a.c', 'x', 'y')), message('[PATCH] b', diff('b.c', 'x', 'y'))].join('\n'));
  await t.rejects(readSeries(mbox), { code: 'SERIES_ORDER', message: /not all say where they go/ });
  writeFileSync(mbox, cover);
  await t.rejects(readSeries(mbox), { code: 'SERIES_EMPTY', message: /no patch in .*the cover letter/ });
  await t.rejects(readSeries(join(dir, 'nope.mbox')), { code: 'SERIES_NOT_FOUND' });
});

t.test('a folder of patches (the project\'s own series, 3 of 4) and a git range', async (t) => {
  const own = await readSeries(projectPath('config', 'patches', 'kptr-nonown'), { allowMissing: true });
  t.same(own.patches.map((patch) => patch.index), [1, 2, 4]);
  t.ok(own.patches.every((patch) => patch.files.includes('kernel/bpf/verifier.c')));
  t.match(own.notes, [/patch 3\/4 is not in the input/]);

  const repo = scratch();
  const git = (...args: string[]) => execFileSync('git', ['-C', repo, '-c', 'user.name=Dev', '-c', 'user.email=dev@example.org', ...args], { encoding: 'utf8' });
  git('init', '-q', '-b', 'main');
  mkdirSync(join(repo, 'kernel'));
  writeFileSync(join(repo, 'kernel', 'a.c'), 'one\ntwo\nthree\n');
  git('add', '.');
  git('commit', '-q', '-m', 'base');
  for (const [line, title] of [['TWO', 'bpf: first change'], ['THREE', 'bpf: second change']] as const) {
    writeFileSync(join(repo, 'kernel', 'a.c'), readFileSync(join(repo, 'kernel', 'a.c'), 'utf8').replace(line.toLowerCase(), line));
    git('commit', '-q', '-am', title);
  }
  const range = await readSeries(`${repo}:main~2..main`);
  t.same(range.patches.map((patch) => [patch.index, patch.total, patch.title]), [[1, 2, 'bpf: first change'], [2, 2, 'bpf: second change']]);
  await t.rejects(readSeries(`${repo}:main..main`), { code: 'SERIES_EMPTY', message: /holds no commits/ });
});
