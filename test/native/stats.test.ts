// Pure table test for parseVerifierStats (no bpf() needed).
import t from 'tap';
import { parseVerifierStats } from '../../harness/native/stats.js';

const full = 'verification time 246 usec\nstack depth 0\nprocessed 25 insns (limit 1000000) max_states_per_insn 3 total_states 17 peak_states 9 mark_read 4\n';

const cases: Array<{ name: string; log: string; want: ReturnType<typeof parseVerifierStats> }> = [
  {
    name: 'level 4 trailer',
    log: full,
    want: { insnsProcessed: 25, maxStatesPerInsn: 3, totalStates: 17, peakStates: 9, markRead: 4, verificationTimeUs: 246 },
  },
  {
    name: 'level 1 log without verification time',
    log: '0: R1=ctx() R10=fp0\n0: (b7) r0 = 1\n1: (95) exit\nprocessed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n',
    want: { insnsProcessed: 2, maxStatesPerInsn: 0, totalStates: 0, peakStates: 0, markRead: 0, verificationTimeUs: 0 },
  },
  {
    name: 'kernel without mark_read',
    log: 'processed 1000001 insns (limit 1000000) max_states_per_insn 12 total_states 5000 peak_states 4000\nverification time 1234567 usec\n',
    want: { insnsProcessed: 1000001, maxStatesPerInsn: 12, totalStates: 5000, peakStates: 4000, markRead: 0, verificationTimeUs: 1234567 },
  },
  {
    name: 'last trailer wins',
    log: `processed 1 insns (limit 10) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n${full}`,
    want: { insnsProcessed: 25, maxStatesPerInsn: 3, totalStates: 17, peakStates: 9, markRead: 4, verificationTimeUs: 246 },
  },
  { name: 'empty log', log: '', want: null },
  { name: 'rejection without stats', log: "R0 invalid mem access 'map_value_or_null'\n", want: null },
  { name: 'time only', log: 'verification time 5 usec\n', want: null },
];

for (const c of cases) {
  t.same(parseVerifierStats(c.log), c.want, c.name);
}

t.equal(parseVerifierStats(undefined as unknown as string), null, 'non-string input gives null');
