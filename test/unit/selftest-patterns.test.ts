// __msg/__not_msg matching as test_loader.c does it: substrings, "{{regex}}" parts, order, spans, line checks.
import t from 'tap';
import { compilePattern, eretoJs, validateMsgs } from '../../harness/selftests/patterns.js';

const pos = (pattern: string) => compilePattern(pattern, { negative: false });
const neg = (pattern: string) => compilePattern(pattern, { negative: true });
const LOG = ['0: R1=ctx() R10=fp0', '1: (85) call bpf_map_lookup_elem#1', '2: (79) r0 = *(u64 *)(r0 +0)', 'R0 invalid mem access \'map_value_or_null\'', 'processed 3 insns (limit 1000000)'].join('\n');

t.test('a pattern without braces is a plain substring, metacharacters included', async (t) => {
  const msg = pos("invalid mem access 'map_value_or_null'");
  t.equal(msg.regex, null);
  t.ok(validateMsgs(LOG, [msg]).ok);
  t.ok(validateMsgs('a.b', [pos('a.b')]).ok);
  t.notOk(validateMsgs('axb', [pos('a.b')]).ok, 'a dot outside braces is literal');
});

t.test('"{{...}}" parts are POSIX regexes, the rest escaped', async (t) => {
  t.ok(validateMsgs(LOG, [pos('processed {{[0-9]+}} insns')]).ok);
  t.notOk(validateMsgs('processed x insns', [pos('processed {{[0-9]+}} insns')]).ok);
  t.ok(validateMsgs('foo007', [pos('foo{{[0-9]+}}')]).ok, 'the bpf_misc.h example');
  t.ok(validateMsgs('R1 type=(x)', [pos('R{{[[:digit:]]}} type=(x)')]).ok, 'POSIX classes and a literal "(" outside braces');
  t.ok(validateMsgs('a\\b', [pos('a{{[\\]}}b')]).ok, 'a backslash inside brackets is literal in ERE');
  t.ok(validateMsgs('line1\nstart here', [pos('{{^start}} here')]).ok, 'REG_NEWLINE: ^ matches after a newline');
  t.notOk(validateMsgs('ab\ncd', [pos('a{{.*}}d')]).ok, 'REG_NEWLINE: . does not cross lines');
});

t.test('bad regexes fail with test_loader\'s wording', async (t) => {
  t.throws(() => pos('foo{{[0-9]+'), /Regexp has open '\{\{' but no closing '\}\}'/);
  t.throws(() => pos(`{{x}}${'.'.repeat(200)}`), /Regexp too long/, 'escaped text over the 256-byte buffer');
  t.throws(() => pos('{{[[:nosuch:]]}}'), /Regexp compilation error/);
  t.equal(eretoJs('[]a]'), '[\\]a]', 'a leading ] is literal');
});

t.test('positives match in order, each after the previous one', async (t) => {
  t.ok(validateMsgs(LOG, [pos('call bpf_map_lookup_elem'), pos('invalid mem access')]).ok);
  const reversed = validateMsgs(LOG, [pos('invalid mem access'), pos('call bpf_map_lookup_elem')]);
  t.notOk(reversed.ok);
  t.match(reversed.report, /MATCHED    SUBSTR: 'invalid mem access'\nEXPECTED   SUBSTR: 'call bpf_map_lookup_elem'/);
});

t.test('a negative is looked for only between its bracketing positives', async (t) => {
  t.ok(validateMsgs(LOG, [pos('0: R1'), neg('processed'), pos('invalid mem access')]).ok, 'outside the span');
  const hit = validateMsgs(LOG, [pos('0: R1'), neg('call bpf_map'), pos('invalid mem access')]);
  t.notOk(hit.ok);
  t.match(hit.report, /UNEXPECTED SUBSTR: 'call bpf_map'/);
  t.notOk(validateMsgs(LOG, [neg('processed')]).ok, 'a lone negative spans the whole log');
  t.ok(validateMsgs(LOG, [neg('{{unknown opcode|bad}}')]).ok);
});

t.test('quirk kept from test_loader: a second negative in a row is searched with the first one\'s pattern', async (t) => {
  const result = validateMsgs(LOG, [pos('0: R1'), neg('no such text'), neg('call bpf_map'), pos('processed')]);
  t.ok(result.ok, 'the tree runner passes this too; documented in docs/selftests.md');
});

t.test('on-next-line patterns (disassembly) must match consecutive lines', async (t) => {
  const next = (pattern: string) => compilePattern(pattern, { negative: false, onNextLine: true });
  t.ok(validateMsgs('a\nb\nc', [next('a'), next('b')]).ok);
  const wrong = validateMsgs('a\nb\nc', [next('a'), next('c')]);
  t.notOk(wrong.ok);
  t.match(wrong.report, /WRONG LINE.*\nexpecting match at line 1, actual match is at line 2/);
});

t.test('glibc ERE details: \\d is a "d", repeats are greedy, [^...] stops at newlines, the 12 classes', async (t) => {
  t.ok(validateMsgs('12d', [pos('{{\\d}}')]).ok, '"\\d" matches a literal d');
  t.notOk(validateMsgs('12', [pos('{{\\d}}')]).ok);
  t.ok(validateMsgs('a word', [pos('{{\\w+}}')]).ok, 'GNU \\w still works');
  t.notOk(validateMsgs('a\nb', [pos('a{{[^x]*}}b')]).ok, 'REG_NEWLINE: a non-matching list does not cross lines');
  t.ok(validateMsgs('R3=scalar(id=1) var_off=(0x0)', [pos('R3={{[^)]*}}) var_off')]).ok);
  t.ok(validateMsgs('x\x01y', [pos('x{{[[:cntrl:]]}}y')]).ok);
  t.ok(validateMsgs('ab', [pos('{{[[:print:]][[:graph:]]}}')]).ok);
  t.throws(() => pos('{{[[:word:]]}}'), /Regexp compilation error/, 'glibc has no [:word:]');
  // Greedy in ERE: "a.*?b" takes the longest, so a following pattern starts after the last b.
  t.notOk(validateMsgs('aXbXb c', [pos('a{{.*?}}b'), pos('Xb')]).ok);
});
