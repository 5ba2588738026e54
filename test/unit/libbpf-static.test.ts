import t from 'tap';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { libbpfMakeArgs, newestVersionNode, treeLibbpfVersion } from '../../harness/kernel/libbpf-static.js';
import { bindingLibbpfSource } from '../../harness/kernel/binding-libbpf.js';
import { scratchDir } from '../helpers/scratch.js';

t.test("the version is the newest LIBBPF_x.y.z node of libbpf.map, compared numerically", async (t) => {
  t.equal(newestVersionNode('LIBBPF_0.0.1 {\n};\nLIBBPF_1.10.0 {\n} LIBBPF_1.9.0;\nLIBBPF_1.9.0 {\n};\n'), '1.10.0');
  t.throws(() => newestVersionNode('nothing here'), { code: 'LIBBPF_SOURCE' });
  const tree = scratchDir('kptrlab-tree-');
  t.throws(() => treeLibbpfVersion(tree), { code: 'LIBBPF_SOURCE', message: /no tools\/lib\/bpf\/libbpf.map/ });
  mkdirSync(join(tree, 'tools', 'lib', 'bpf'), { recursive: true });
  writeFileSync(join(tree, 'tools', 'lib', 'bpf', 'libbpf.map'), 'LIBBPF_1.8.0 {\n};\n');
  t.equal(treeLibbpfVersion(tree), '1.8.0');
});

t.test('make builds out of tree, position-independent; arm64 cross-compiles with the image headers after the cross libc', async (t) => {
  const host = libbpfMakeArgs('/src', '/s', { arch: 'host' });
  t.same(host.slice(0, 2), ['-C', '/src/tools/lib/bpf']);
  t.ok(host.includes('OUTPUT=/s/obj/') && host.includes('DESTDIR=/s/prefix') && host.includes('prefix='));
  t.ok(host.some((arg) => arg.startsWith('EXTRA_CFLAGS=') && arg.includes('-fPIC')));
  t.same(host.slice(-2), ['/s/obj/libbpf.a', 'install_headers']);
  t.notOk(host.some((arg) => arg.startsWith('CROSS_COMPILE=')));
  const arm = libbpfMakeArgs('/src', '/s', { arch: 'arm64', sysroot: '/img' });
  t.ok(arm.includes('ARCH=arm64') && arm.includes('CROSS_COMPILE=aarch64-linux-gnu-'));
  t.ok(arm.some((arg) => arg.includes('-idirafter /img/usr/include')));
});

t.test('the binding libbpf source: config/libbpf.yaml, KPTRLAB_LIBBPF_TREE overrides, bad keys named', async (t) => {
  t.match(bindingLibbpfSource({}), { kind: 'debian', package: 'linux-source-7.3' });
  t.same(bindingLibbpfSource({ KPTRLAB_LIBBPF_TREE: '/my/linux' }), { kind: 'dir', path: '/my/linux' });
  const dir = scratchDir('kptrlab-libbpf-');
  writeFileSync(join(dir, 'bad.yaml'), 'sorce:\n  kind: debian\n');
  t.throws(() => bindingLibbpfSource({}, join(dir, 'bad.yaml')), { message: /sorce/ });
  t.throws(() => bindingLibbpfSource({}, join(dir, 'missing.yaml')), { code: 'CONFIG_NOT_FOUND' });
});
