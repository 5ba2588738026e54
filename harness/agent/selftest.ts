// Runs tree selftest loads on the target as test_loader.c does: one program (plus auxiliaries) per load, then one test run.
import { BpfObject, probeProgFlags } from '../native/index.js';
import { effectiveFlags, PROG_FLAGS } from './prog-flags.js';
import { emit } from './emit.js';
import { readProcText } from './proc-text.js';
import { unprivDisabledReason } from './unpriv.js';
import type { SelftestJob, SelftestRequest } from './protocol.js';

// TEST_DATA_LEN and the output room test_loader's do_prog_test_run uses.
const TEST_DATA_LEN = 64;
const TEST_LOADER_LOG_SIZE = 2 * 1024 * 1024;

/** testing_prog_flags(): the test-only flags this kernel accepts (BPF_F_TEST_RND_HI32, BPF_F_TEST_REG_INVARIANTS). */
function testingFlags(): number {
  return [PROG_FLAGS.BPF_F_TEST_RND_HI32!, PROG_FLAGS.BPF_F_TEST_REG_INVARIANTS!].reduce((flags, flag) => (probeProgFlags(flag) ? flags | flag : flags), 0);
}

function readSysctl(path: string, fallback: number): number {
  const text = readProcText(path);
  return text === undefined ? fallback : Number.parseInt(text.trim(), 10);
}

export function runSelftests(request: SelftestRequest): void {
  const flags = testingFlags();
  // A missing sysctl counts as disabled, as get_unpriv_disabled() does.
  const unprivDisabled = readSysctl('/proc/sys/kernel/unprivileged_bpf_disabled', 1);
  const unprivSkip = unprivDisabledReason();
  const jited = readSysctl('/proc/sys/net/core/bpf_jit_enable', 0) !== 0;
  emit({ type: 'selftest-env', testingFlags: flags, jited, unprivDisabled });
  for (const job of request.jobs) {
    if (job.unpriv) {
      if (unprivSkip) emit({ type: 'selftest-result', id: job.id, loaded: false, log: '', libbpf: '', skipped: `${unprivSkip}: the tree's runner skips unprivileged mode` });
      else emit({ type: 'selftest-result', id: job.id, loaded: false, log: '', libbpf: '', unsupported: 'unprivileged mode (dropping CAP_BPF, CAP_SYS_ADMIN, CAP_PERFMON, CAP_NET_ADMIN) is not implemented by kptrlab yet' });
      continue;
    }
    runJob(job, flags);
  }
}

function runJob(job: SelftestJob, testing: number): void {
  let object: BpfObject | undefined;
  try {
    object = BpfObject.open(job.object);
    if (job.load) for (const program of object.programs()) object.setAutoload(program.name, job.load.includes(program.name));
    if (job.program && job.flags) {
      const own = object.programs().find((program) => program.name === job.program)?.flags ?? 0;
      object.setFlags(job.program, effectiveFlags(own, testing, job.flags));
    }
    // test_loader's fixed 2 MiB log: a longer log fails the load with ENOSPC there, so it does here.
    const result = object.load({ logLevel: job.logLevel, logSize: TEST_LOADER_LOG_SIZE, growLog: false });
    const libbpf = result.error?.libbpfMessage ?? '';
    const log = job.program
      ? result.programs.find((program) => program.name === job.program)?.log ?? ''
      : result.programs.filter((program) => program.log).map((program) => `-- ${program.name} --\n${program.log}`).join('\n');
    if (!result.ok) {
      emit({ type: 'selftest-result', id: job.id, loaded: false, code: result.error?.code, log, libbpf });
      return;
    }
    let retval: number | undefined;
    let runError: string | undefined;
    if (job.execute && job.program) {
      try {
        const options = job.execute.emptyOpts ? {} : { repeat: 1, dataIn: new Uint8Array(TEST_DATA_LEN), dataSizeOut: TEST_DATA_LEN << 2 };
        // test_loader reads the u32 retval into an int.
        retval = object.testRun(job.program, options).retval | 0;
      } catch (error) {
        runError = (error as Error).message;
      }
    }
    emit({ type: 'selftest-result', id: job.id, loaded: true, log, libbpf, retval, runError });
  } catch (error) {
    // open() or a setting failed: the object never reached the kernel (test_loader fails such a subtest).
    emit({ type: 'selftest-result', id: job.id, loaded: false, log: '', libbpf: '', openError: (error as Error).message });
  } finally {
    object?.close();
  }
}
