import t from 'tap';
import { Writable } from 'node:stream';
import { createKernelReporter, progressText, wantsLiveUi } from '../../harness/kernel/reporter.js';
import { firstCompilerError, isStepLine } from '../../harness/kernel/make-progress.js';

function capture(): { out: Writable; text: () => string } {
  let buffer = '';
  const out = new Writable({ write: (chunk, _enc, done) => ((buffer += String(chunk)), done()) });
  return { out, text: () => buffer };
}

t.test('Kbuild step lines are counted, other lines are not', async (t) => {
  t.ok(isStepLine('  CC      kernel/bpf/verifier.o'));
  t.ok(isStepLine('  LD      vmlinux.o'));
  t.ok(isStepLine('  CC [M]  net/foo.o'));
  t.notOk(isStepLine('  GEN     Makefile'));
  t.notOk(isStepLine('make[1]: Entering directory'));
});

t.test('the first compiler error is found before make\'s summary', async (t) => {
  const log = ['  CC      a.o', 'kernel/bpf/verifier.c:8446:9: error: duplicate case value', 'make[3]: *** [a] Error 1'];
  t.equal(firstCompilerError(log), 'kernel/bpf/verifier.c:8446:9: error: duplicate case value');
  t.equal(firstCompilerError(['make: *** [Makefile:1] Error 2']), 'make: *** [Makefile:1] Error 2');
});

t.test('progress text carries stage, files, elapsed and an estimate', async (t) => {
  t.equal(progressText({ kind: 'progress', stage: 'compile', done: 500, expected: 1000, elapsedMs: 300_000 }), 'compile: 500/1000 files, 5m00s, ~5m00s left');
  t.equal(progressText({ kind: 'progress', stage: 'compile', done: 5, expected: undefined, elapsedMs: 2000 }), 'compile: 5 files, 2s');
});

t.test('plain mode prints lines, throttles progress and shows the first error and log path', async (t) => {
  const { out, text } = capture();
  let clock = 0;
  const reporter = createKernelReporter({ out, live: false, plainEveryMs: 1000, now: () => clock });
  reporter.sink({ kind: 'stage', stage: 'compile', message: 'make bzImage' });
  clock = 1000;
  reporter.sink({ kind: 'progress', stage: 'compile', done: 1, expected: undefined, elapsedMs: 1000 });
  reporter.sink({ kind: 'progress', stage: 'compile', done: 2, expected: undefined, elapsedMs: 1000 });
  reporter.sink({ kind: 'failed', message: 'kernel did not build', firstError: 'a.c:1:1: error: x', logPath: '/c/build.log' });
  reporter.close();
  t.equal(text(), '[compile] make bzImage\ncompile: 1 files, 1s\n[failed] kernel did not build\n  first error: a.c:1:1: error: x\n  full log: /c/build.log\n');
});

t.test('live mode redraws one line and ends it cleanly', async (t) => {
  const { out, text } = capture();
  const reporter = createKernelReporter({ out, live: true });
  reporter.sink({ kind: 'progress', stage: 'compile', done: 1, expected: undefined, elapsedMs: 0 });
  reporter.sink({ kind: 'progress', stage: 'compile', done: 2, expected: undefined, elapsedMs: 0 });
  reporter.close();
  t.equal(text(), '\r\x1b[2Kcompile: 1 files, 0s\r\x1b[2Kcompile: 2 files, 0s\r\x1b[2K\n');
});

t.test('KPTRLAB_NO_UI=1 forces plain output on a terminal', async (t) => {
  t.equal(wantsLiveUi({ isTTY: true }, {}), true);
  t.equal(wantsLiveUi({ isTTY: true }, { KPTRLAB_NO_UI: '1' }), false);
  t.equal(wantsLiveUi({ isTTY: false }, {}), false);
});
