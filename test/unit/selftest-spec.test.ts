// parse_test_spec as the tree's runner does it, on tag lists (the fixture-program side is in test/selftests).
import t from 'tap';
import { effectiveFlags, orderTags, parseSpecInt, parseTestSpec, PROG_FLAGS } from '../../harness/selftests/spec.js';

const tag = (n: number, text: string) => `comment:${n}:${text}`;

t.test('tags are ordered by their __COUNTER__, numerically', async (t) => {
  t.same(orderTags([tag(10, 'b'), tag(9, 'a'), 'kptrlab.other']), [tag(9, 'a'), tag(10, 'b'), 'kptrlab.other']);
});

t.test('no mode tag: a privileged test that must load', async (t) => {
  const spec = parseTestSpec('p', [], 'X86_64');
  t.equal(spec.priv?.expectFailure, false);
  t.equal(spec.unpriv, null);
  t.equal(spec.priv?.execute, false);
});

t.test('failure, messages, retval and description', async (t) => {
  const spec = parseTestSpec('p', [tag(3, 'test_expect_msg=second'), tag(1, 'test_expect_failure'), tag(2, 'test_expect_msg=first {{[0-9]}}'), tag(4, 'test_description=words')], 'X86_64');
  t.equal(spec.priv?.expectFailure, true);
  t.same(spec.priv?.msgs.map((m) => m.pattern), ['first {{[0-9]}}', 'second']);
  t.ok(spec.priv?.msgs[0]?.regex);
  t.equal(spec.priv?.description, 'words');
  const ret = parseTestSpec('q', [tag(1, 'test_retval=0xbadcafe')], 'X86_64');
  t.equal(ret.priv?.retval, 0xbadcafe);
  t.equal(ret.priv?.execute, true);
  t.equal(parseTestSpec('q', [tag(1, 'test_retval=_INT_MIN')], 'X86_64').priv?.retval, -2147483648);
  t.equal(parseTestSpec('q', [tag(1, 'test_retval=-22')], 'X86_64').priv?.retval, -22);
});

t.test('the unprivileged mode inherits what it does not set', async (t) => {
  const spec = parseTestSpec('p', [tag(1, 'test_expect_failure'), tag(2, 'test_expect_msg=m'), tag(3, 'test_retval=3'), tag(4, 'test_expect_success_unpriv')], 'X86_64');
  t.equal(spec.unpriv?.name, 'p @unpriv');
  t.equal(spec.unpriv?.expectFailure, false);
  t.same(spec.unpriv?.msgs.map((m) => m.pattern), ['m']);
  t.equal(spec.unpriv?.retval, 3);
  const onlyUnpriv = parseTestSpec('u', [tag(1, 'test_expect_failure_unpriv')], 'X86_64');
  t.equal(onlyUnpriv.priv, null, 'only unprivileged tags: no privileged run');
});

t.test('flags: names, numbers and "!" clears, applied over the testing flags', async (t) => {
  const spec = parseTestSpec('p', [tag(1, 'test_prog_flags=BPF_F_STRICT_ALIGNMENT'), tag(2, 'test_prog_flags=!BPF_F_TEST_RND_HI32'), tag(3, 'test_prog_flags=0x100')], 'X86_64');
  const testing = PROG_FLAGS.BPF_F_TEST_RND_HI32! | PROG_FLAGS.BPF_F_TEST_REG_INVARIANTS!;
  t.equal(effectiveFlags(PROG_FLAGS.BPF_F_SLEEPABLE!, testing, spec.flags), PROG_FLAGS.BPF_F_SLEEPABLE! | PROG_FLAGS.BPF_F_TEST_REG_INVARIANTS! | PROG_FLAGS.BPF_F_STRICT_ALIGNMENT! | 0x100);
  t.equal(parseTestSpec('p', [tag(1, 'test_log_level=2')], 'X86_64').logLevel, 2);
});

t.test('arch filters, auxiliaries and the JIT lines of the current arch only', async (t) => {
  const spec = parseTestSpec('p', [tag(1, 'test_arch=ARM64'), tag(2, 'test_jited=  mov x0, #0'), tag(3, 'test_arch=X86_64'), tag(4, 'test_jited=  endbr64')], 'X86_64');
  t.same(spec.arches, ['ARM64', 'X86_64']);
  t.same(spec.priv?.jited.map((m) => m.pattern), ['  endbr64'], 'only lines after the current arch are collected');
  t.equal(parseTestSpec('a', [tag(1, 'test_auxiliary')], 'X86_64').auxiliary, true);
});

t.test('bad annotations make the spec unreadable, as "Can\'t parse test spec" does upstream', async (t) => {
  t.match(parseTestSpec('p', [tag(1, 'test_arch=SPARC')], 'X86_64').error, /bad arch spec: 'SPARC'/);
  t.match(parseTestSpec('p', [tag(1, 'test_jited=x')], 'X86_64').error, /__jited used before __arch_\*/);
  t.match(parseTestSpec('p', [tag(1, 'test_retval=12abc')], 'X86_64').error, /failed to parse __retval from '12abc'/);
  t.match(parseTestSpec('p', [tag(1, 'test_caps_unpriv=CAP_BPF')], 'X86_64').error, /define CAP_BPF constant in bpf_misc.h/);
  t.match(parseTestSpec('p', [tag(1, 'test_linear_size=4')], 'X86_64', 'syscall').error, /__linear_size for unsupported program type/);
  t.throws(() => parseSpecInt('0xZZ', 'x'));
});

t.test('strtol details of parse_int', async (t) => {
  t.equal(parseSpecInt('0x-1', 'x'), -1, 'a sign after the 0x prefix');
  t.equal(parseSpecInt('', 'x'), 0, 'no digits: 0, as strtol');
  t.equal(parseSpecInt('0x', 'x'), 0);
  t.equal(parseSpecInt('0x0x10', 'x'), 16, 'strtol base 16 takes its own 0x');
  t.equal(parseSpecInt(' 42', 'x'), 42);
  t.throws(() => parseSpecInt('99999999999999999999', 'x'), /failed to parse/, 'ERANGE');
  t.throws(() => parseSpecInt('4 2', 'x'));
  t.match(parseTestSpec('p', [tag(1, 'test_prog_flags=constructor')], 'X86_64').error, /failed to parse test prog flags/, 'no Object.prototype names');
  t.equal(orderTags([tag(2, 'b'), 'comment:-1:a'])[0], 'comment:-1:a', 'a signed counter sorts numerically');
});
