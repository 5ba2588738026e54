import t from 'tap';
import { isCase, parseAnnotations } from '../../harness/suites/annotations.js';
import { decidingLine, judgeCase, logExcerpt } from '../../harness/suites/verdict.js';

const LOCK = 'function calls are not allowed while holding a lock';

t.test('annotations parse into expectations', async (t) => {
  const tags = ['kptrlab.accept=nonown,full', `kptrlab.msg.base=${LOCK}`, 'kptrlab.msg.*=R1 type=', 'kptrlab.desc=fast path', 'kptrlab.needs=walk', 'other'];
  t.ok(isCase(tags));
  t.notOk(isCase(['kptrlab.desc=x']));
  const parsed = parseAnnotations(tags);
  t.ok(parsed.ok);
  if (!parsed.ok) return;
  t.same(parsed.expectation.acceptOn, ['nonown', 'full']);
  t.equal(parsed.expectation.messages.base, LOCK);
  t.equal(parsed.expectation.messages['*'], 'R1 type=');
  t.ok(parsed.expectation.needsWalk);
  t.same(parseAnnotations(['kptrlab.accept=']).ok && parseAnnotations(['kptrlab.accept=']), { ok: true, expectation: { acceptOn: [], messages: {}, description: '', needsWalk: false } });
});

t.test('bad annotations name the problem', async (t) => {
  t.match(parseAnnotations(['kptrlab.accept=patched']), { ok: false, problem: /unknown level\(s\) patched/ });
  t.match(parseAnnotations(['kptrlab.accept=full', 'kptrlab.msg.base=(']), { ok: false, problem: /invalid regex/ });
  t.match(parseAnnotations(['kptrlab.accept=full', 'kptrlab.expect=x']), { ok: false, problem: /unknown annotation/ });
  t.match(parseAnnotations(['kptrlab.desc=x']), { ok: false, problem: /no kptrlab.accept/ });
});

t.test('judging verdicts and messages per level', async (t) => {
  const parsed = parseAnnotations(['kptrlab.accept=nonown,full', `kptrlab.msg.base=${LOCK}`, 'kptrlab.needs=walk']);
  if (!parsed.ok) throw new Error(parsed.problem);
  const expectation = parsed.expectation;
  const log = `0: (85) call bpf_kptr_xchg#194\n${LOCK}\nverification time 5 usec\nprocessed 10 insns (limit 1000000) max_states_per_insn 0 total_states 1 peak_states 1 mark_read 0`;
  t.match(judgeCase(expectation, 'base', false, log), { status: 'pass', expected: 'reject', actual: 'reject' });
  t.match(judgeCase(expectation, 'full', true, ''), { status: 'pass', expected: 'accept' });
  t.match(judgeCase(expectation, 'full', false, log), { status: 'fail', reason: /expected the verifier to accept on a full kernel/ });
  t.match(judgeCase(expectation, 'base', true, ''), { status: 'fail', actual: 'accept' });
  t.match(judgeCase(expectation, 'base', false, 'R1 invalid mem access\n'), { status: 'fail', reason: /does not match/, excerpt: 'R1 invalid mem access' });
  t.match(judgeCase(expectation, 'lock', false, log), { status: 'fail', reason: /no message pattern for level lock/ });
  t.match(judgeCase(expectation, 'nowalk', false, log), { status: 'skip' });
});

t.test('log excerpt drops the stats lines and keeps the deciding ones', async (t) => {
  const log = 'a\nb\nc\nR1 bad\nverification time 1 usec\nstack depth 8\nprocessed 1 insns (limit 1) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n';
  t.equal(logExcerpt(log, 2), 'c\nR1 bad');
  const log73 = 'R1 type=rcu_ptr_ expected=map_value\nverification time 9 usec\nstack depth 16\nprocessed 9 insns (limit 1000000) max_states_per_insn 0 total_states 1 peak_states 1 mark_read 0\nsubprog 0 (bench_fast) main insns_self 1167 insns_total 1167 stack 16\nsubprog 1 (node_less) static insns_self 0 insns_total 0 stack 0\n';
  t.equal(logExcerpt(log73, 1), 'R1 type=rcu_ptr_ expected=map_value', '7.x per-subprog stats lines are trailer too');
});

t.test('the deciding line: 7.x report error line, else the last unindented line', async (t) => {
  const report = [
    '9: (85) call bpf_obj_drop_impl#41755',
    'function calls are not allowed while holding a lock',
    '  drop_nonown @ nonown_lifetime.bpf.c:177:3',
    '  Source context:',
    '  >>> 177 |                 bpf_obj_drop(container_of(rb, struct kl_node, rb));',
    '          |                 ^-- error: function call is not allowed before leaving lock region',
    '  Instruction context:',
    '  >>>  9 | (85) call bpf_obj_drop_impl#41755',
    '',
    'Suggestion:',
    '  Release the BPF spin lock before making this call, or move the call outside the locked region.',
    '',
    'verification time 709 usec',
    'stack depth max 0',
    'subprog 0 (drop_nonown) main insns_self 8 insns_total 8 stack 0',
    'processed 8 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0',
  ].join('\n');
  t.equal(decidingLine(report), 'function call is not allowed before leaving lock region');
  t.equal(decidingLine('0: (85) call bpf_kptr_xchg#194\nfunction calls are not allowed while holding a lock\nprocessed 1 insns (limit 1) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n'), 'function calls are not allowed while holding a lock');
  const parsed = parseAnnotations(['kptrlab.accept=full', 'kptrlab.msg.*=never matches']);
  if (!parsed.ok) throw new Error(parsed.problem);
  const outcome = judgeCase(parsed.expectation, 'base', false, report);
  t.match(outcome.excerpt, /function call is not allowed before leaving lock region/, 'a failure excerpt shows the reason');
  const longTail = report.replace('Suggestion:', ['Causal path:', '  a', '  b', '  c', '  d', '  e', '  f', 'Suggestion:'].join('\n'));
  t.match(judgeCase(parsed.expectation, 'base', false, longTail).excerpt, /^function call is not allowed before leaving lock region\n…\n/, 'even when it is far from the end');
});
