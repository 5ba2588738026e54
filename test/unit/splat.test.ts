import t from 'tap';
import { classifyLine, scanSplats } from '../../harness/results/splat.js';

t.test('each splat kind is recognised', async (t) => {
  const table: Array<[string, string | undefined]> = [
    ['[   12.345678] Kernel panic - not syncing: Attempted to kill init!', 'panic'],
    ['[    3.1] Oops: general protection fault, probably for non-canonical address', 'oops'],
    ['[    3.1] Oops: 0000 [#1] PREEMPT SMP', 'oops'],
    ['[    3.1] BUG: kernel NULL pointer dereference, address: 0000000000000000', 'bug'],
    ['[    3.1] WARNING: CPU: 0 PID: 1 at kptrlab-test', 'warning'],
    ['[    3.1] WARNING: at kernel/bpf/verifier.c:123 do_check+0x1/0x2', 'warning'],
    ['[    3.1] BUG: KASAN: slab-use-after-free in bpf_obj_drop+0x10/0x20', 'kasan'],
    ['[    3.1] WARNING: possible recursive locking detected', 'lockdep'],
    ['[    3.1] WARNING: inconsistent lock state', 'lockdep'],
    ['[    3.1] WARNING: possible circular locking dependency detected', undefined],
    ['[    3.1] INFO: possible circular locking dependency detected', 'lockdep'],
    ['[   30.1] rcu: INFO: rcu_sched self-detected stall on CPU', 'rcu-stall'],
    ['[   30.1] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:', 'rcu-stall'],
    ['[  240.1] INFO: task kworker/0:1:12 blocked for more than 120 seconds.', 'hung-task'],
    ['[    3.1] verifier bug: unexpected insn state', 'verifier-bug'],
    ['[    3.1] virtio_net virtio0 eth0: renamed', undefined],
    ['kptrlab-init: ready', undefined],
  ];
  for (const [line, kind] of table) t.equal(classifyLine(line), kind, line);
});

t.test('excerpts carry the splat line and ten lines after it; one report is one finding', async (t) => {
  const lines = ['boot', '[ 1.0] WARNING: CPU: 0 PID: 1 at kptrlab-test', ...Array.from({ length: 12 }, (_, i) => `[ 1.${i}] trace ${i}`), '[ 2.0] BUG: unable to handle page fault', '[ 2.1] BUG: second line of the same report'];
  const splats = scanSplats(lines.join('\n'));
  t.same(splats.map((s) => [s.kind, s.lineNo]), [['warning', 1], ['bug', 14]]);
  const first = splats[0]!;
  t.equal(first.line, 'WARNING: CPU: 0 PID: 1 at kptrlab-test');
  t.equal(first.excerpt.split('\n').length, 11);
  t.match(first.excerpt, /^WARNING: CPU: 0 PID: 1 at kptrlab-test\ntrace 0/);
  t.same(scanSplats('all fine\nnothing here\n'), []);
});
