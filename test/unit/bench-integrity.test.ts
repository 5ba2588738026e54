// The per-variant integrity check fed correct and wrong counts: each kind of wrong input must fail it, naming the variant.
import t from 'tap';
import { chooseKeys, keyOffset } from '../../harness/agent/bench-plan.js';
import type { SampleRecord } from '../../harness/results/model.js';
import type { BenchVariant } from '../../harness/results/vocab.js';
import { judgeIntegrity, type IntegrityInput } from '../../harness/suites/bench-integrity.js';

const size = 256;
const lookups = 10;
const repeat = 2;
const rounds = 5;
const keys = chooseKeys(size, 1, 1024);

function samples(variant: BenchVariant): SampleRecord[] {
  return Array.from({ length: rounds }, (_, run) => ({ size, variant, round: run - 1, durationNs: 1000, lookups, hits: variant === 'empty' ? 0 : lookups * repeat, misses: 0, keyOffset: keyOffset(run, lookups, repeat, keys.length) }));
}

// 5 rounds × 20 keys from offset 0: the first 100 keys of one shuffle of 256, all distinct.
function input(): IntegrityInput {
  return {
    size, variants: ['fast', 'walk', 'empty'], samples: [...samples('fast'), ...samples('walk'), ...samples('empty')], lookups, repeat, rounds, keys,
    counted: { type: 'integrity', size, nodes: size, counted: { fast: { accesses: 100, distinctNodes: 100 }, walk: { accesses: 100, distinctNodes: 100 } } },
  };
}

t.test('counts that match the samples pass, per variant', async (t) => {
  const result = judgeIntegrity(input());
  t.equal(result.ok, true, result.problems.join('; '));
  t.same(result.variants.map((entry) => [entry.variant, entry.ok, entry.accesses.expected, entry.distinctNodes.expected]), [['fast', true, 100, 100], ['walk', true, 100, 100]]);
  t.same(result.nodes, { expected: size, counted: size });
});

t.test('every wrong input fails the check and names what is wrong', async (t) => {
  const cases: Record<string, [(value: IntegrityInput) => void, RegExp]> = {
    'one access short in the nodes (wrong sum)': [(value) => (value.counted.counted.fast = { accesses: 99, distinctNodes: 100 }), /fast: 99 accesses counted in the nodes, the samples found 100/],
    'fewer distinct nodes than the windows cover': [(value) => (value.counted.counted.walk = { accesses: 100, distinctNodes: 60 }), /walk: 60 distinct nodes touched, the key windows cover 100/],
    'a node lost from the tree (wrong node count)': [(value) => (value.counted.nodes = size - 1), /the check walk found 255 nodes in a tree of 256/],
    'a sample that missed': [(value) => (value.samples = [{ ...value.samples[0]!, hits: 19, misses: 1 }, ...value.samples.slice(1)]), /1 samples found fewer or more nodes/],
    'a sample that never arrived': [(value) => (value.samples = value.samples.filter((_, index) => index !== 3)), /fast: 4 of 5 samples arrived/],
    'a variant the check did not count': [(value) => delete value.counted.counted.fast, /fast: the check program reported no counts/],
    'a kptr variant whose accesses never reached the payload': [
      (value) => {
        value.samples = value.samples.map((entry) => (entry.variant === 'fast' ? { ...entry, hits: 0 } : entry));
        value.counted.counted.fast = { accesses: 0, distinctNodes: 0 };
      },
      /fast: no access reached the payload/,
    ],
  };
  for (const [what, [spoil, why]] of Object.entries(cases)) {
    const value = input();
    spoil(value);
    const result = judgeIntegrity(value);
    t.equal(result.ok, false, what);
    t.match(result.problems.join('\n'), why, what);
  }
  const spoiled = input();
  spoiled.counted.counted.walk = { accesses: 100, distinctNodes: 60 };
  t.same(judgeIntegrity(spoiled).variants.map((entry) => [entry.variant, entry.ok]), [['fast', true], ['walk', false]], 'only the variant that fell short is marked');
});
