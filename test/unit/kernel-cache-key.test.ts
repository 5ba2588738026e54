import t from 'tap';
import { kernelKey, treeKey, type KeyInputs } from '../../harness/kernel/cache-key.js';

const base: KeyInputs = {
  sourceId: 'debian:linux-source-7.3=7.3.4-1~bpo13+1@sha256:aa',
  arch: 'x86_64',
  ops: [{ patch: '/p/0004.patch', reverse: true, sha256: 'p4', files: ['kernel/bpf/verifier.c'] }],
  fragments: [{ name: 'base.config', text: 'CONFIG_BPF=y\n' }],
  toolchain: { gcc: 'gcc 12.2.0', ld: 'GNU ld 2.40', pahole: 'v1.24', make: 'GNU Make 4.3' },
};

t.test('the key is stable for equal inputs', async (t) => {
  t.equal(kernelKey(base), kernelKey(structuredClone(base)));
  t.match(kernelKey(base), /^x86_64-[0-9a-f]{24}$/);
});

t.test('every input changes the kernel key', async (t) => {
  const variants: Array<[string, KeyInputs]> = [
    ['source', { ...base, sourceId: 'git:abc' }],
    ['arch', { ...base, arch: 'arm64' }],
    ['series direction', { ...base, ops: [{ ...base.ops[0]!, reverse: false }] }],
    ['series content', { ...base, ops: [{ ...base.ops[0]!, sha256: 'p4b' }] }],
    ['series length', { ...base, ops: [] }],
    ['fragment text', { ...base, fragments: [{ name: 'base.config', text: 'CONFIG_BPF=n\n' }] }],
    ['fragment added', { ...base, fragments: [...base.fragments, { name: 'debug.config', text: 'CONFIG_KASAN=y\n' }] }],
    ['gcc', { ...base, toolchain: { ...base.toolchain, gcc: 'gcc 13' } }],
    ['pahole', { ...base, toolchain: { ...base.toolchain, pahole: 'v1.25' } }],
  ];
  for (const [what, inputs] of variants) t.not(kernelKey(inputs), kernelKey(base), what);
});

t.test('variants of one tree share the tree key but not the kernel key', async (t) => {
  const patched = { ...base, ops: [] };
  t.equal(treeKey(patched), treeKey(base));
  t.not(kernelKey(patched), kernelKey(base));
  t.not(treeKey({ ...base, fragments: [] }), treeKey(base), 'config changes the tree');
  t.not(treeKey({ ...base, arch: 'arm64' }), treeKey(base), 'arch changes the tree');
});

t.test('part boundaries count (no ambiguity from concatenation)', async (t) => {
  const a = { ...base, fragments: [{ name: 'ab', text: 'c' }] };
  const b = { ...base, fragments: [{ name: 'a', text: 'bc' }] };
  t.not(kernelKey(a), kernelKey(b));
});
