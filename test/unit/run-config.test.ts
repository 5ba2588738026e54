import t from 'tap';
import { readFileSync } from 'node:fs';
import { configErrorOf } from '../helpers/config-error.js';
import { DEFAULTS, parseRunConfig } from '../../harness/config/run-config.js';
import { projectPath } from '../../harness/util/paths.js';

const errorOf = (text: string) => configErrorOf(text);

t.test('defaults fill every optional key', async (t) => {
  const config = parseRunConfig('cfg.yaml', 'name: x\n');
  t.equal(config.name, 'x');
  t.same(config.targets, [{ name: 'local', kind: 'local', bench: true }]);
  t.same(config.bench.sizes, DEFAULTS.bench.sizes);
  t.same(config.bench.variants, DEFAULTS.bench.variants);
  t.equal(config.bench.samples, 20);
  t.equal(config.verify.logLevel, 1);
  t.equal(config.output.dir, 'results');
});

t.test('shipped configs parse', async (t) => {
  for (const name of ['local.yaml', 'quick.yaml', 'ab.yaml']) {
    const path = projectPath('config', name);
    t.doesNotThrow(() => parseRunConfig(path, readFileSync(path, 'utf8')), name);
  }
});

t.test('a misspelled key names file, line, key path and the nearest key', async (t) => {
  const error = errorOf('name: x\nbench:\n  sizes: [16]\n  sampels: 12\n');
  t.equal(error.details.file, 'cfg.yaml');
  t.equal(error.details.line, 4);
  t.equal(error.details.keyPath, 'bench.sampels');
  t.match(error.hint, /Did you mean "samples"\?/);
  t.match(error.message, /^cfg\.yaml:4: bench\.sampels: expected one of the keys/);
});

t.test('wrong types and ranges say what was expected and given', async (t) => {
  const tooFew = errorOf('name: x\nbench:\n  samples: 3\n');
  t.equal(tooFew.details.keyPath, 'bench.samples');
  t.equal(tooFew.details.line, 3);
  t.match(tooFew.details.expected, /an integer >= 10/);
  t.equal(tooFew.details.given, 'number 3');
  const wrongType = errorOf('name: x\nbench:\n  sizes: [16, big]\n');
  t.equal(wrongType.details.keyPath, 'bench.sizes[1]');
  t.equal(wrongType.details.given, '"big"');
  const variant = errorOf('name: x\nbench:\n  variants: [fastt]\n');
  t.match(variant.hint, /Did you mean "fast"/);
  const missingName = errorOf('bench:\n  enabled: true\n');
  t.equal(missingName.details.keyPath, 'name');
});

t.test('rules across fields', async (t) => {
  t.match(errorOf('name: x\nbench:\n  sizes: [16, 16]\n').hint, /Remove the second 16/);
  t.match(errorOf('name: x\nbench:\n  variants: [empty]\n').details.expected, /besides the empty/);
  t.match(errorOf('name: x\nverify: {enabled: false}\nbench: {enabled: false}\n').details.expected, /verify, bench or selftests enabled/);
  t.match(errorOf('name: x\ntargets:\n  - name: a\n  - name: a\n').hint, /"a"/);
});

t.test('YAML syntax errors carry the line', async (t) => {
  const error = errorOf('name: x\nbench:\n  sizes: [16\n  samples: 10\n');
  t.equal(error.details.expected, 'valid YAML');
  t.ok(error.details.line >= 3, `line ${error.details.line}`);
});

t.test('the JSON Schema lists exactly the keys the parser accepts', async (t) => {
  const schema = JSON.parse(readFileSync(projectPath('config', 'schema', 'run-config.schema.json'), 'utf8'));
  const top = errorOf('name: x\nmachinez: 1\n').details.expected.replace('one of the keys ', '').split(', ').sort();
  t.same(Object.keys(schema.properties).sort(), top, 'top-level keys match');
  const machineTarget = errorOf('name: x\ntargets:\n  - {kind: machine, machin: a}\n').details.expected.replace('one of the keys ', '').split(', ').sort();
  t.same(Object.keys(schema.properties.targets.items.oneOf[2].properties).sort(), machineTarget, 'machine target keys match');
  const entry = errorOf('name: x\nmachines:\n  a: {host: h, hots: 1}\n').details.expected.replace('one of the keys ', '').split(', ').sort();
  t.same(Object.keys(schema.properties.machines.oneOf[1].additionalProperties.properties).sort(), entry, 'machine entry keys match');
  for (const [section, key] of [['bench', 'sampels'], ['verify', 'case'], ['output', 'folder'], ['selftests', 'suit'], ['compare', 'slowdown'], ['ci', 'runOn']] as const) {
    const error = errorOf(`name: x\n${section}:\n  ${key}: 1\n`);
    const allowed = error.details.expected.replace('one of the keys ', '').split(', ').sort();
    t.same(Object.keys(schema.properties[section].properties).sort(), allowed, `${section} keys match`);
  }
  t.equal(schema.properties.bench.properties.samples.default, DEFAULTS.bench.samples);
  t.same(schema.properties.bench.properties.sizes.default, DEFAULTS.bench.sizes);
  t.equal(schema.properties.compare.properties.slowdownPercent.default, DEFAULTS.compare.slowdownPercent);
  t.equal(schema.properties.compare.properties.alpha.default, DEFAULTS.compare.alpha);
});

t.test('qemu targets: kernel variant checked against the kernels: section', async (t) => {
  const kernels = readFileSync(projectPath('config', 'ab.yaml'), 'utf8').split('\n# ---- the run')[0];
  const config = parseRunConfig('cfg.yaml', `${kernels}\nname: x\ntargets:\n  - {name: p, kind: qemu, kernel: {variant: patched}}\n`);
  t.match(config.targets[0], { kind: 'qemu', arch: 'x86_64', accel: 'auto', icount: true, cpus: 2, kernel: { variant: 'patched' } });
  const unknown = errorOf(`${kernels}\nname: x\ntargets:\n  - {name: p, kind: qemu, kernel: {variant: pached}}\n`);
  t.equal(unknown.details.keyPath, 'targets[0].kernel.variant');
  t.match(unknown.details.expected, /one of the kernel variants base, lock, v5, patched/);
  const both = errorOf('name: x\ntargets:\n  - {name: p, kind: qemu, kernel: {variant: a, debianPackage: b}}\n');
  t.match(both.details.expected, /exactly one of variant or debianPackage/);
  const noKernels = errorOf('name: x\ntargets:\n  - {name: p, kind: qemu, kernel: {variant: a}}\n');
  t.match(noKernels.hint, /Add a kernels: section/);
  const qemuKey = errorOf('name: x\ntargets:\n  - {name: p, kind: qemu, kernel: {debianPackage: b}, memory: 4}\n');
  t.match(qemuKey.hint, /Did you mean "memoryMiB"/);
  const schema = JSON.parse(readFileSync(projectPath('config', 'schema', 'run-config.schema.json'), 'utf8'));
  const allowed = qemuKey.details.expected.replace('one of the keys ', '').split(', ').sort();
  t.same(Object.keys(schema.properties.targets.items.oneOf[1].properties).sort(), allowed, 'schema lists the qemu target keys');
});

t.test('selftests section and target series declarations', async (t) => {
  const config = parseRunConfig('cfg.yaml', 'name: x\ntargets:\n  - {name: l, kind: local, series: absent}\n');
  t.equal(config.targets[0]?.series, 'absent');
  t.match(config.selftests, { enabled: false, suite: 'kselftests/suite.yaml', lists: 'kselftests/lists.yaml', testProgs: true, source: { kind: 'debian', package: 'linux-source-7.3', suite: 'trixie-backports' } });
  const kernels = readFileSync(projectPath('config', 'ab.yaml'), 'utf8').split('\n# ---- the run')[0];
  const withKernels = parseRunConfig('cfg.yaml', `${kernels}\nname: x\n`);
  t.same(withKernels.selftests.source, withKernels.kernels?.source, 'the tree defaults to the kernels: source');
  const bad = errorOf('name: x\ntargets:\n  - {name: l, kind: local, series: ful}\n');
  t.equal(bad.details.keyPath, 'targets[0].series');
  t.match(bad.hint, /Did you mean "full"/);
});
