import t from 'tap';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { loadKernelsConfig, parseKernelsSection, variantRequest } from '../../harness/kernel/kernel-config.js';
import { projectPath } from '../../harness/util/paths.js';

const shipped = readFileSync(projectPath('config/ab.yaml'), 'utf8');

t.test('config/ab.yaml: base reverses the whole series last-first, v5 only patch 4, patched nothing', async (t) => {
  const config = parseKernelsSection('config/ab.yaml', shipped);
  t.same(config.source, { kind: 'debian', package: 'linux-source-7.3', suite: 'trixie-backports' });
  const ops = (name: string) => variantRequest(config, name, 'x86_64').ops.map((op) => `${op.reverse ? '-' : '+'}${basename(op.patch).slice(0, 4)}`);
  t.same(ops('base'), ['-0004', '-0002', '-0001']);
  t.same(ops('v5'), ['-0004']);
  t.same(ops('patched'), []);
  t.same(variantRequest(config, 'patched', 'arm64').fragments.map((f) => basename(f)), ['base.config', 'arm64.config']);
  t.same(variantRequest(config, 'patched-debug', 'x86_64').fragments.map((f) => basename(f)), ['base.config', 'x86_64.config', 'debug.config']);
  t.same(variantRequest(config, 'patched-lab', 'x86_64').fragments.map((f) => basename(f)), ['base.config', 'x86_64.config', 'lab.config'], 'a variant\'s own fragments come last');
  t.same(variantRequest(config, 'patched-lab', 'x86_64').ops, [], 'the series as shipped');
});

t.test('a misspelled key names the file, line and the right key', async (t) => {
  const text = 'kernels:\n  source:\n    kind: debian\n  varients:\n    patched: {}\n';
  t.throws(() => parseKernelsSection('x.yaml', text), { code: 'CONFIG_INVALID', message: /x\.yaml:4: kernels\.varients/, hint: /variants/ });
});

t.test('reversing a patch that is not in the series is an error at its line', async (t) => {
  const text = 'kernels:\n  series:\n    patches: [a.patch]\n  variants:\n    base:\n      reverse:\n        - b.patch\n';
  t.throws(() => parseKernelsSection('x.yaml', text), { code: 'CONFIG_INVALID', message: /x\.yaml:7: kernels\.variants\.base\.reverse\[0\]/ });
});

t.test('other top-level sections are left to other commands', async (t) => {
  const config = parseKernelsSection('x.yaml', 'targets: {anything: 1}\nkernels:\n  variants:\n    patched: {}\n');
  t.equal(config.variants[0]?.name, 'patched');
});

t.test('kernels.build lists what `kernel build` makes by default', async (t) => {
  const shipped = loadKernelsConfig(projectPath('config', 'ab.yaml'));
  t.same(shipped.defaultBuilds, [
    { variant: 'base', arch: 'x86_64' },
    { variant: 'lock', arch: 'x86_64' },
    { variant: 'v5', arch: 'x86_64' },
    { variant: 'patched', arch: 'x86_64' },
    { variant: 'patched', arch: 'arm64' },
  ]);
  const text = readFileSync(projectPath('config', 'ab.yaml'), 'utf8').replace('arm64: [patched]', 'arm64: [pached]');
  t.throws(() => parseKernelsSection('ab.yaml', text), { message: /kernels\.build\.arm64\[0\]: expected one of base, lock, v5, patched, patched-debug/ });
});
