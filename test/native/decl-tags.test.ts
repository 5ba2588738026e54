// BTF decl tags on a program function (component_idx -1); parameter tags are not reported.
import t from 'tap';
import { BpfObject } from '../../harness/native/index.js';
import { bpfSkipReason, compileFixture } from '../helpers/bpf-env.js';

const skip = bpfSkipReason();
if (skip) t.comment(`skipping bpf() tests: ${skip}`);

t.test('decl tags', { skip }, async (t) => {
  const object = BpfObject.open(await compileFixture('decl_tags'));
  t.teardown(() => object.close());
  t.same(object.declTags('tagged').sort(), ['kptrlab.accept=full', 'kptrlab.desc=decl tag fixture']);
  t.same(object.declTags('untagged'), []);
  t.throws(() => object.declTags('nope'), { name: 'RangeError', message: /unknown program "nope"; valid programs: tagged, untagged/ });
});
