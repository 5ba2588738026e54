// Why kptrlab.h's private() is hidden: under the binding's libbpf (>= 1.5) a visible lock section cannot load.
import t from 'tap';
import { BpfObject, libbpfVersion } from '../../harness/native/index.js';
import { versionAtLeast } from '../../harness/util/version.js';
import { bpfSkipReason, compileFixture } from '../helpers/bpf-env.js';
import { compileBpf } from '../../harness/bpf/compile.js';
import { vmlinuxHeader } from '../../harness/bpf/vmlinux-header.js';
import { projectPath } from '../../harness/util/paths.js';

const skip = bpfSkipReason();
if (skip) t.comment(`skipping bpf() tests: ${skip}`);

t.test('a visible bpf_spin_lock in .data.* fails at map creation under current libbpf', { skip }, async (t) => {
  t.ok(versionAtLeast(libbpfVersion, '1.5'), `binding links libbpf ${libbpfVersion}`);
  const object = BpfObject.open(await compileFixture('visible_lock'));
  t.teardown(() => object.close());
  const result = object.load();
  t.equal(result.ok, false, 'the kernel refuses to mmap a map whose value holds a bpf_spin_lock');
  t.match(result.error?.libbpfMessage, /\.data\.visible.*(mmap|ENOTSUPP|-524)/);
});

t.test('every object built from programs/ with private() loads or is judged by the verifier, never fails on mmap', { skip }, async (t) => {
  // fast_path holds the hidden lock sections; at level base its lock cases are rejected by the verifier, not by mmap.
  const header = await vmlinuxHeader();
  const compiled = await compileBpf({ source: projectPath('programs', 'cases', 'fast_path.bpf.c'), header });
  t.ok(compiled.ok, 'fast_path compiles');
  if (!compiled.ok) return;
  const object = BpfObject.open(compiled.object);
  t.teardown(() => object.close());
  const result = object.load();
  t.notMatch(result.error?.libbpfMessage ?? '', /mmap/, 'no mmap failure');
});
