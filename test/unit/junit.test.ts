// JUnit XML: the escaper against nasty strings, and the mapping of every judged kind, both read back by a real
// consumer (python3-junitparser through test/helpers/junit_summary.py), which must also refuse broken files.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { junitXml } from '../../harness/report/junit.js';
import { escapeXmlAttribute, escapeXmlText, xmlSafeChars } from '../../harness/report/xml-escape.js';
import { readJunit } from '../helpers/junit.js';
import { mixedRun, NASTY_EXCERPT } from '../helpers/mixed-run.js';
import { scratchDir } from '../helpers/scratch.js';

const dir = scratchDir('kptrlab-junit-');
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

// Control characters XML 1.0 forbids, noncharacters, a lone surrogate — next to ones it allows (tab, LF, CR) and an astral emoji.
const NASTY = 'a & b < c > d "q" \'s\' ]]> <![CDATA[x]]> &amp; \0 \x01 \x08 \x0b \x0c \x1b[31m red \x7f \uFFFE \uFFFF \uD800 tab\t lf\n cr\r end 😀';
const NASTY_READ_BACK = 'a & b < c > d "q" \'s\' ]]> <![CDATA[x]]> &amp; \uFFFD \uFFFD \uFFFD \uFFFD \uFFFD \uFFFD[31m red \x7f \uFFFD \uFFFD \uFFFD tab\t lf\n cr\r end 😀';

t.test('the escaper: forbidden characters replaced, markup escaped, whitespace in attributes kept as references', async (t) => {
  t.equal(xmlSafeChars('\x00\x1f\uFFFE\uFFFF\uDFFF\uD800'), '\uFFFD'.repeat(6), 'C0 controls, noncharacters, lone surrogates (a low before a high is no pair)');
  t.equal(xmlSafeChars('\t\n\r 😀 \uE000 \uFFFD'), '\t\n\r 😀 \uE000 \uFFFD', 'allowed characters and a surrogate pair stay');
  t.equal(escapeXmlText('<a href="x">&</a> ]]>\r'), '&lt;a href="x"&gt;&amp;&lt;/a&gt; ]]&gt;&#13;');
  t.equal(escapeXmlAttribute('say "hi" & \'bye\'\t\n'), 'say &quot;hi&quot; &amp; &apos;bye&apos;&#9;&#10;');
});

t.test('a nasty message and excerpt reach a JUnit consumer intact, except the characters XML cannot carry', async (t) => {
  const results = mixedRun();
  const fastPlain = results.targets[0]!.cases.find((entry) => entry.id === 'fast_plain')!;
  fastPlain.reason = NASTY;
  fastPlain.excerpt = NASTY;
  const summary = await readJunit(file('nasty.xml', junitXml(results)));
  const failure = summary.failed.find((entry) => entry.name === 'fast_plain');
  t.equal(failure?.message, NASTY_READ_BACK, 'attribute');
  t.equal(failure?.text, NASTY_READ_BACK, 'element text');
});

t.test('the consumer refuses what the escaper prevents: a raw control character, a raw "<"', async (t) => {
  const good = junitXml(mixedRun());
  await t.rejects(readJunit(file('control.xml', good.replace('fast_plain', 'fast\x01plain'))), /ParseError: not well-formed/);
  await t.rejects(readJunit(file('lt.xml', good.replace('name="stock"', 'name="st<ock"'))), /ParseError/);
});

t.test('every judged kind maps to its JUnit outcome, counted per suite and at the root', async (t) => {
  const summary = await readJunit(file('mixed.xml', junitXml(mixedRun())));
  t.equal(summary.name, 'kptrlab r1');
  t.same(summary.totals, { tests: 19, failures: 3, errors: 3, skipped: 5 });
  t.same(summary.suites.map(({ name, tests, failures, errors, skipped }) => ({ name, tests, failures, errors, skipped })), [
    { name: 'base', tests: 16, failures: 3, errors: 3, skipped: 5 },
    { name: 'local', tests: 3, failures: 0, errors: 0, skipped: 0 },
  ]);
  t.same(summary.suites[0]!.classnames, ['base.bench', 'base.selftests.rbtree_search_kptr', 'base.target', 'base.verifier']);
  t.same(summary.failed.map((entry) => `${entry.kind} ${entry.classname} ${entry.name}`), [
    'failure base.verifier fast_plain',
    'error base.verifier leak_payload',
    'error base.verifier compile programs/cases/broken.bpf.c',
    'failure base.selftests.rbtree_search_kptr stray',
    'failure base.bench walk size 256',
    'error base.target bench TARGET_DIED',
  ]);
  const failed = (name: string) => summary.failed.find((entry) => entry.name === name)!;
  t.equal(failed('fast_plain').text, NASTY_EXCERPT, 'the verifier excerpt is the failure text');
  t.match(failed('stray').message, /^unexpected pass: why stray/);
  t.match(failed('walk size 256'), { message: 'integrity check failed at size 256', text: 'walk: 599 accesses counted in the nodes, the samples found 600' });
  t.match(failed('bench TARGET_DIED'), { message: /the target stopped answering during bench \[TARGET_DIED\]/, text: 'Kernel panic - not syncing' });
  const cases = summary.suites[0]!.cases;
  const find = (name: string) => cases.find((entry) => entry.name === name)!;
  t.match(find('xchg_nonown'), { outcome: 'skipped', message: 'expected failure: why xchg_nonown' });
  t.match(find('xchg_rcu'), { outcome: 'skipped', message: 'allowed failure: why xchg_rcu' });
  t.match(find('fast size 256'), { outcome: 'skipped', message: /^not measured: the verifier rejects fast on this kernel/ });
  t.match(find('stock size 256'), { outcome: 'passed', systemOut: /^per access 560 \[559, 561\] icount-ns \(median, 95 % CI\) ±1\.5% n=3/ }, 'a variant whose own count was right passes');
  t.match(find('stock'), { outcome: 'passed', systemOut: 'expected accept, got accept; insns 120, states 9 (peak 9, max 1 per insn), mark_read 0, verification 77 us' });
  t.notOk(cases.some((entry) => entry.name.startsWith('empty')), 'the empty loop is calibration, not a test case');
});

t.test('the consumer check fails a file whose counts lie, at a suite or at the root, and one that is not JUnit', async (t) => {
  const good = junitXml(mixedRun());
  await t.rejects(readJunit(file('suite-lie.xml', good.replace('<testsuite name="base" tests="16" failures="3"', '<testsuite name="base" tests="16" failures="2"'))), /testsuite 'base' declares failures=2 but holds 3/);
  await t.rejects(readJunit(file('root-lie.xml', good.replace('<testsuites name="kptrlab r1" tests="19"', '<testsuites name="kptrlab r1" tests="20"'))), /testsuites declares tests=20 but its suites hold 19/);
  await t.rejects(readJunit(file('no-count.xml', good.replace(' skipped="0"', ''))), /testsuite 'local' has no skipped attribute/);
  await t.rejects(readJunit(file('cut.xml', good.slice(0, good.length / 2))), /ParseError/);
  await t.rejects(readJunit(file('other.xml', '<?xml version="1.0"?>\n<report/>\n')), /JUnitXmlError: Invalid format/);
  await t.rejects(readJunit(file('one-suite.xml', '<?xml version="1.0"?>\n<testsuite name="x" tests="0" failures="0" errors="0" skipped="0"/>\n')), /the root element is <testsuite>, not <testsuites>/);
});
