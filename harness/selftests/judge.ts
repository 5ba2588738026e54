// The verdict the tree's runner would give one subtest, from the target's load result (test_loader.c run_subtest).
import type { AgentEvent } from '../agent/protocol.js';
import { classicLog, failureExcerpt } from '../suites/verdict.js';
import { validateMsgs } from './patterns.js';
import type { PlannedTest } from './plan.js';
import { POINTER_VALUE } from './spec.js';

/** What the agent reported for one load (the selftest-result event without its routing fields). */
export type JobResult = Omit<Extract<AgentEvent, { type: 'selftest-result' }>, 'type' | 'id'>;

export interface RawVerdict {
  status: 'pass' | 'fail' | 'skip';
  actual: 'loaded' | 'rejected' | 'not-run';
  reason?: string;
  excerpt?: string;
  retval?: number;
}

/** The deciding line, then the classic log's last lines (the patterns are about it); libbpf's lines without a log. */
export function loadFailureExcerpt(result: { log: string; libbpf: string }): string {
  // A load failure with no verifier log is libbpf's doing (unknown kfunc, bad relocation): its lines say why.
  if (!result.log.trim()) return result.libbpf.trim().split('\n').slice(-6).join('\n');
  return failureExcerpt(result.log, { tailOf: classicLog(result.log), lines: 8 });
}

// Checks the tree's runner makes that kptrlab's cannot yet: the subtest fails, so only a deny entry silences it.
function unsupported(what: string): RawVerdict {
  return { status: 'fail', actual: 'not-run', reason: `kptrlab's runner cannot check ${what} yet; deny-list the test with a reason to skip it` };
}

/** Judges one planned test against what the target did, in run_subtest()'s order; `jited` is bpf_jit_enable. */
export function judge(test: PlannedTest, result: JobResult | undefined, jited: boolean): RawVerdict {
  if (test.decided) return { ...test.decided, actual: 'not-run' };
  if (!result) return { status: 'fail', actual: 'not-run', reason: 'the agent returned no result for this load' };
  const loadMode = test.spec?.loadMode ?? 'any';
  if ((loadMode === 'jited' && !jited) || (loadMode === 'no_jited' && jited)) {
    return { status: 'skip', actual: 'not-run', reason: `__load_if_${loadMode === 'jited' ? 'JITed' : 'no_JITed'}: the JIT is ${jited ? 'on' : 'off'} here` };
  }
  if (result.skipped) return { status: 'skip', actual: 'not-run', reason: result.skipped };
  if (result.unsupported) return { status: 'fail', actual: 'not-run', reason: `${result.unsupported}; deny-list the test with a reason to skip it` };
  if (test.spec?.btfPath || test.spec?.btfFuncPath) return unsupported('__btf_path');
  if (result.openError) return { status: 'fail', actual: 'not-run', reason: `obj_open_mem: ${result.openError}` };
  const actual = result.loaded ? 'loaded' : 'rejected';
  if (test.expected === 'failure' && result.loaded) {
    return { status: 'fail', actual, reason: test.program ? 'unexpected_load_success: the verifier accepted a program the test expects it to reject' : 'the object loaded although the tree expects it to be refused' };
  }
  if (test.expected === 'success' && !result.loaded) {
    return { status: 'fail', actual, reason: `unexpected_load_failure (${result.code ?? 'error'})`, excerpt: loadFailureExcerpt(result) };
  }
  const sub = test.sub;
  if (sub?.msgs.length) {
    const check = validateMsgs(result.log, sub.msgs);
    if (!check.ok) return { status: 'fail', actual, reason: 'expect_msg: the verifier log does not match the __msg/__not_msg patterns', excerpt: `${check.report}\n--- log ---\n${loadFailureExcerpt(result)}` };
  }
  if (sub?.xlated.length) return { ...unsupported('__xlated'), actual };
  // test_progs built without LLVM cannot disassemble JITed code and skips these; kptrlab cannot either.
  if (sub?.jited.length) return { status: 'skip', actual, reason: 'jited programs disassembly is not supported (the tree\'s runner skips this too when built without LLVM)' };
  if (test.job?.execute) {
    if (test.spec?.linearSize) return { ...unsupported('__linear_size'), actual };
    if (result.runError) return { status: 'fail', actual, reason: `Unexpected bpf_prog_test_run error: ${result.runError}` };
    const wanted = sub!.retval;
    if (result.retval !== wanted && wanted !== POINTER_VALUE) return { status: 'fail', actual, retval: result.retval, reason: `Unexpected retval: ${result.retval} != ${wanted}` };
    if (sub!.stderr.length || sub!.stdout.length) return { ...unsupported('__stderr/__stdout'), actual, retval: result.retval };
  }
  return { status: 'pass', actual, retval: result.retval };
}
