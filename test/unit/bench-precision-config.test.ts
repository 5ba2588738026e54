// bench.precision in a config: absent keeps the fixed samples, true or a partial mapping fills the defaults, and
// every wrong value names its key, what was expected and the fix.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { DEFAULTS, parseRunConfig } from '../../harness/config/run-config.js';
import { projectPath } from '../../harness/util/paths.js';
import { configErrorOf } from '../helpers/config-error.js';

const parse = (bench: string) => parseRunConfig('cfg.yaml', `name: x\nbench:\n${bench}`).bench;

t.test('absent or false: exactly samples rounds, as before', async (t) => {
  t.equal(parseRunConfig('cfg.yaml', 'name: x\n').bench.precision, undefined);
  t.equal(parse('  precision: false\n').precision, undefined);
  t.notOk('precision' in parse('  samples: 12\n'), 'no precision key at all, so requests and bench-start stay as they were');
});

t.test('true takes the defaults; a mapping overrides some of them', async (t) => {
  t.same(parse('  precision: true\n').precision, { halfWidthPercent: 2, budgetSec: 120, maxSamples: 1000 });
  t.same(parse('  precision: true\n').precision, DEFAULTS.bench.precision);
  t.same(parse('  precision: {halfWidthPercent: 0.5, budgetSec: 30}\n').precision, { halfWidthPercent: 0.5, budgetSec: 30, maxSamples: 1000 });
  t.same(parse('  samples: 10\n  precision: {maxSamples: 10}\n').precision?.maxSamples, 10);
});

t.test('errors name the key, what was expected and the fix', async (t) => {
  const misspelled = configErrorOf('name: x\nbench:\n  precision: {halfWidthPercnt: 1}\n');
  t.equal(misspelled.details.keyPath, 'bench.precision.halfWidthPercnt');
  t.match(misspelled.hint, /Did you mean "halfWidthPercent"\?/);

  const zero = configErrorOf('name: x\nbench:\n  precision:\n    halfWidthPercent: 0\n');
  t.equal(zero.details.keyPath, 'bench.precision.halfWidthPercent');
  t.equal(zero.details.line, 4);
  t.match(zero.details.expected, /a number >= 0\.1 <= 100/);
  t.match(zero.hint, /Use at least 0\.1/);

  const fraction = configErrorOf('name: x\nbench:\n  precision: {maxSamples: 50.5}\n');
  t.equal(fraction.details.keyPath, 'bench.precision.maxSamples');
  t.match(fraction.hint, /whole number/);

  const word = configErrorOf('name: x\nbench:\n  precision: yes please\n');
  t.equal(word.details.keyPath, 'bench.precision');
  t.match(word.details.expected, /true or false/);

  const capBelowSamples = configErrorOf('name: x\nbench:\n  samples: 40\n  precision: {maxSamples: 30}\n');
  t.equal(capBelowSamples.details.keyPath, 'bench.precision.maxSamples');
  t.match(capBelowSamples.details.expected, /maxSamples >= bench\.samples \(40\)/);
  t.match(capBelowSamples.hint, /Use maxSamples: 40 or more, or lower bench\.samples/);

  const shorthand = configErrorOf('name: x\nbench:\n  samples: 2000\n  precision: true\n');
  t.equal(shorthand.details.keyPath, 'bench.precision', 'precision: true points at itself (it has no maxSamples key)');
});

t.test('a budget the agent cannot finish within its time limit is refused', async (t) => {
  const target = (limit: number) => `targets:\n  - {name: vm, kind: qemu, kernel: {debianPackage: linux-image-amd64}, execTimeoutSec: ${limit}}\n`;
  const error = configErrorOf(`name: x\n${target(600)}bench:\n  sizes: [16, 4096]\n  precision: {budgetSec: 300}\n`);
  t.equal(error.details.keyPath, 'bench.precision.budgetSec');
  t.match(error.details.expected, /over the 2 sizes \(600 s\) stays below target vm's execTimeoutSec \(600 s\)/);
  t.match(error.hint, /Use budgetSec: 240 or less, or raise execTimeoutSec/);
  t.doesNotThrow(() => parseRunConfig('cfg.yaml', `name: x\n${target(601)}bench:\n  sizes: [16, 4096]\n  precision: {budgetSec: 300}\n`));
  t.doesNotThrow(() => parseRunConfig('cfg.yaml', `name: x\n${target(60)}bench:\n  enabled: false\n  precision: {budgetSec: 300}\n`), 'no benchmark, no budget to check');
});

t.test('the JSON Schema lists the precision keys and defaults the parser uses', async (t) => {
  const schema = JSON.parse(readFileSync(projectPath('config', 'schema', 'run-config.schema.json'), 'utf8'));
  const mapping = schema.properties.bench.properties.precision.oneOf.find((entry: { type: string }) => entry.type === 'object');
  const allowed = configErrorOf('name: x\nbench:\n  precision: {budget: 1}\n').details.expected.replace('one of the keys ', '').split(', ').sort();
  t.same(Object.keys(mapping.properties).sort(), allowed);
  for (const [key, value] of Object.entries(DEFAULTS.bench.precision)) t.equal(mapping.properties[key].default, value, `${key} default`);
});
