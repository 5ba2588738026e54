// Pure tests for turning libbpf's load outcome into per-program verdicts (no bpf() needed).
import t from 'tap';
import { BpfError } from '../../harness/native/errors.js';
import { buildLoadResult, failingProgram, NOT_ATTEMPTED, verdictLine } from '../../harness/native/load-result.js';
import type { RawLoad } from '../../harness/native/native-types.js';

const stats = 'processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n';
const programs = (logs: string[]): RawLoad['programs'] =>
  ['a', 'b', 'c'].map((name, i) => ({ name, autoload: true, loaded: false, log: logs[i] ?? '' }));

t.test('success: every autoload program loaded with stats', async (t) => {
  const raw: RawLoad = { errno: 0, libbpf: '', programs: [...programs([stats, stats, stats]), { name: 'off', autoload: false, loaded: false, log: '' }] };
  const result = buildLoadResult(raw, 'obj', 4096, 1);
  t.equal(result.ok, true);
  t.same(result.programs.map((p) => [p.name, p.loaded]), [['a', true], ['b', true], ['c', true]], 'non-autoload programs are left out');
  t.equal(result.programs[0]?.stats?.insnsProcessed, 2);
  t.equal(result.error, undefined);
});

t.test('verifier rejection of the middle program', async (t) => {
  const libbpf = "libbpf: prog 'b': BPF program load failed: Permission denied\nlibbpf: prog 'b': failed to load: -13\nlibbpf: failed to load object 'obj'\n";
  const raw: RawLoad = { errno: 13, libbpf, programs: programs([stats, `R0 invalid mem access 'scalar'\n${stats}`]) };
  t.same(failingProgram(raw), { name: 'b', errno: 13 });
  const result = buildLoadResult(raw, 'obj', 4096, 1);
  t.equal(result.ok, false);
  t.same(result.programs.map((p) => [p.name, p.loaded, p.code]), [['a', true, undefined], ['b', false, 'EACCES'], ['c', false, NOT_ATTEMPTED]]);
  t.equal(result.programs[1]?.errno, 13);
  t.ok(result.error instanceof BpfError);
  t.equal(result.error?.code, 'EACCES');
  t.match(result.error?.message, /program 'b' of 'obj' failed to load \(EACCES\): R0 invalid mem access 'scalar'/);
  t.match(result.error?.libbpfMessage, /failed to load: -13/);
});

t.test('libbpf >= 1.5 names the errno (-EACCES): the culprit and its errno still come out', async (t) => {
  const libbpf = "libbpf: prog 'b': BPF program load failed: -EACCES\nlibbpf: prog 'b': failed to load: -EACCES\nlibbpf: failed to load object 'obj'\n";
  const raw: RawLoad = { errno: 13, libbpf, programs: programs([stats, `R0 invalid mem access 'scalar'\n${stats}`]) };
  t.same(failingProgram(raw), { name: 'b', errno: 13 });
  t.same(buildLoadResult(raw, 'obj', 4096, 1).programs.map((p) => [p.name, p.loaded, p.code]), [['a', true, undefined], ['b', false, 'EACCES'], ['c', false, NOT_ATTEMPTED]]);
  // A message naming another program must not be taken for the culprit's line.
  t.same(failingProgram({ ...raw, libbpf: "libbpf: prog 'c': failed to load: -EINVAL\n" }), { name: 'c', errno: 13 });
});

t.test('failure before any program was loaded (relocation)', async (t) => {
  const libbpf = "libbpf: prog 'c': relo #0: bad insn\nlibbpf: failed to load object 'obj'\n";
  const result = buildLoadResult({ errno: 22, libbpf, programs: programs([]) }, 'obj', 4096, 1);
  t.same(result.programs.map((p) => [p.name, p.loaded, p.code]), [['a', false, NOT_ATTEMPTED], ['b', false, NOT_ATTEMPTED], ['c', false, 'EINVAL']]);
});

t.test('object-level failure blames no program', async (t) => {
  const result = buildLoadResult({ errno: 1, libbpf: "libbpf: map 'x': failed to create: -1\n", programs: programs([]) }, 'obj', 4096, 1);
  t.ok(result.programs.every((p) => !p.loaded && p.code === NOT_ATTEMPTED));
  t.equal(result.error?.code, 'EPERM');
  t.match(result.error?.message, /object 'obj' failed to load/);
});

t.test('verdictLine skips the statistics trailer', async (t) => {
  t.equal(verdictLine(`1: (95) exit\nR0 !read_ok\nverification time 3 usec\nstack depth 0\n${stats}`), 'R0 !read_ok');
  t.equal(verdictLine(''), undefined);
});
