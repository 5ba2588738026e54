// The selftest runner on fixture programs of our own: annotations read from a real object's BTF, then (with
// bpf()) loaded on this kernel through the agent and judged; the fixture's known-bad tests must fail.
import t from 'tap';
import { compileBpf } from '../../harness/bpf/compile.js';
import { vmlinuxHeader } from '../../harness/bpf/vmlinux-header.js';
import type { AgentEvent } from '../../harness/agent/protocol.js';
import { judge, type JobResult } from '../../harness/selftests/judge.js';
import { planFile } from '../../harness/selftests/plan.js';
import { listPrograms } from '../../harness/selftests/suite.js';
import type { SelftestFile } from '../../harness/selftests/tree.js';
import { LocalTarget } from '../../harness/targets/local.js';
import { projectPath } from '../../harness/util/paths.js';
import { bpfSkipReason } from '../helpers/bpf-env.js';

const FILE: SelftestFile = {
  stem: 'annotated',
  source: projectPath('test', 'fixtures', 'selftests', 'annotated.bpf.c'),
  runner: { kind: 'annotations', testProgsName: 'annotated' },
};

async function fixtureObject(): Promise<string> {
  const compiled = await compileBpf({ source: FILE.source, header: await vmlinuxHeader() });
  if (!compiled.ok) throw new Error(`fixture did not compile: ${compiled.firstError}`);
  return compiled.object;
}

t.test('annotations read from the fixture object\'s BTF decl tags', async (t) => {
  const object = await fixtureObject();
  const plan = planFile(FILE, object, listPrograms(object), 'X86_64');
  const ids = plan.map((test) => test.id);
  // libbpf's program order (by section, then offset) is the order test_loader runs them in.
  t.same(ids, ['annotated/ok_retval', 'annotated/arm64_only', 'annotated/wrong_retval', 'annotated/both_modes', 'annotated/both_modes @unpriv', 'annotated/null_deref', 'annotated/described', 'annotated/wrong_msg', 'annotated/not_msg_hit'], 'the auxiliary program is not a test');
  const byId = new Map(plan.map((test) => [test.id, test]));
  t.same(byId.get('annotated/ok_retval')?.job?.load, ['ok_retval', 'aux_prog'], 'the auxiliary program is loaded with each test');
  t.same(byId.get('annotated/ok_retval')?.job?.execute, { emptyOpts: true }, 'syscall programs run with empty options');
  const deref = byId.get('annotated/null_deref')!;
  t.equal(deref.expected, 'failure');
  t.same(deref.sub?.msgs.map((msg) => [msg.pattern, msg.negative, msg.regex !== null]), [
    ['R0 invalid mem access', false, false],
    ['unknown opcode', true, false],
    ['processed {{[0-9]+}} insns', false, true],
  ], 'source order kept through the __COUNTER__ prefix');
  const described = byId.get('annotated/described')!;
  t.equal(described.description, 'described, with log level 2 and a flag');
  t.equal(described.job?.logLevel, 2);
  t.same(described.job?.flags, { set: 8, clear: 0 }, 'BPF_F_TEST_STATE_FREQ');
  t.match(byId.get('annotated/arm64_only')?.decided, { status: 'skip', reason: /ARM64 only/ });
  t.equal(byId.get('annotated/both_modes @unpriv')?.job?.unpriv, true);
});

const skip = bpfSkipReason();
if (skip) t.comment(`skipping the load half: ${skip}`);

t.test('the fixture loaded on this kernel: right tests pass, known-bad ones fail', { skip }, async (t) => {
  const object = await fixtureObject();
  const plan = planFile(FILE, object, listPrograms(object), 'X86_64');
  const results = new Map<string, JobResult>();
  let env: Extract<AgentEvent, { type: 'selftest-env' }> | undefined;
  const jobs = plan.flatMap((test) => (test.job ? [test.job] : []));
  await new LocalTarget().runAgent({ op: 'selftest', jobs }, (event) => {
    if (event.type === 'selftest-result') results.set(event.id, event);
    if (event.type === 'selftest-env') env = event;
  });
  t.ok(env, 'the agent reports the test environment');
  t.ok(((env?.testingFlags ?? 0) & 4) !== 0, 'BPF_F_TEST_RND_HI32 accepted by this kernel');
  const verdicts = Object.fromEntries(plan.map((test) => [test.id, judge(test, test.job ? results.get(test.job.id) : undefined, env?.jited ?? false)]));
  t.match(verdicts['annotated/ok_retval'], { status: 'pass', actual: 'loaded', retval: 7 });
  t.match(verdicts['annotated/null_deref'], { status: 'pass', actual: 'rejected' });
  t.match(verdicts['annotated/described'], { status: 'pass', actual: 'loaded' });
  t.match(verdicts['annotated/arm64_only'], { status: 'skip', actual: 'not-run' });
  t.match(verdicts['annotated/wrong_msg'], { status: 'fail', actual: 'rejected', reason: /expect_msg/ });
  t.match(verdicts['annotated/wrong_msg']?.excerpt, /EXPECTED   SUBSTR: 'this text is in no verifier log'/);
  t.match(verdicts['annotated/wrong_retval'], { status: 'fail', reason: 'Unexpected retval: 2 != 1' });
  t.match(verdicts['annotated/not_msg_hit'], { status: 'fail', reason: /expect_msg/ });
  t.match(verdicts['annotated/not_msg_hit']?.excerpt, /UNEXPECTED SUBSTR: 'invalid mem access'/);
  t.match(verdicts['annotated/both_modes'], { status: 'pass' });
  t.match(verdicts['annotated/both_modes @unpriv'], { status: 'skip', reason: /unprivileged/ });
});
