// Judges one size's integrity per variant: every access the samples report must be counted in the tree's nodes,
// on as many distinct nodes as the key windows cover, with no misses and every sample present.
import { distinctKeys } from '../agent/bench-plan.js';
import type { AgentEvent } from '../agent/protocol.js';
import type { IntegrityResult, SampleRecord, VariantIntegrity } from '../results/model.js';
import { KPTR_VARIANTS, type BenchVariant } from '../results/vocab.js';

export interface IntegrityInput {
  size: number;
  /** Variants measured at this size (empty included). */
  variants: readonly BenchVariant[];
  /** Every sample of the size, warm-up rounds included. */
  samples: readonly SampleRecord[];
  lookups: number;
  repeat: number;
  rounds: number;
  keys: Uint32Array;
  /** What the check program counted in the nodes. */
  counted: Extract<AgentEvent, { type: 'integrity' }>;
}

export function judgeIntegrity(input: IntegrityInput): IntegrityResult {
  const perSample = input.lookups * input.repeat;
  const problems: string[] = [];
  const badSamples = input.samples.filter((sample) => sample.misses !== 0 || sample.hits !== (sample.variant === 'empty' ? 0 : perSample)).length;
  if (badSamples) problems.push(`${badSamples} samples found fewer or more nodes than their ${perSample} lookups (or missed)`);
  const misses = input.samples.reduce((sum, sample) => sum + sample.misses, 0);
  if (input.counted.nodes !== input.size) problems.push(`the check walk found ${input.counted.nodes} nodes in a tree of ${input.size}`);
  const variants: VariantIntegrity[] = [];
  for (const variant of input.variants) {
    const own = input.samples.filter((sample) => sample.variant === variant);
    if (own.length !== input.rounds) problems.push(`${variant}: ${own.length} of ${input.rounds} samples arrived`);
    if (variant === 'empty') continue;
    const counted = input.counted.counted[variant];
    const expected = {
      accesses: own.reduce((sum, sample) => sum + sample.hits, 0),
      distinctNodes: distinctKeys(input.keys, own.map((sample) => sample.keyOffset), perSample),
    };
    const entry: VariantIntegrity = {
      variant,
      ok: false,
      accesses: { expected: expected.accesses, counted: counted?.accesses ?? 0 },
      distinctNodes: { expected: expected.distinctNodes, counted: counted?.distinctNodes ?? 0 },
    };
    const failures = [
      !counted && 'the check program reported no counts for it',
      counted && entry.accesses.counted !== entry.accesses.expected && `${entry.accesses.counted} accesses counted in the nodes, the samples found ${entry.accesses.expected}`,
      counted && entry.distinctNodes.counted !== entry.distinctNodes.expected && `${entry.distinctNodes.counted} distinct nodes touched, the key windows cover ${entry.distinctNodes.expected}`,
      // A kptr variant that counted nothing did not go through the payload at all.
      KPTR_VARIANTS.has(variant) && entry.accesses.expected === 0 && 'no access reached the payload',
    ].filter((text): text is string => typeof text === 'string');
    entry.ok = failures.length === 0;
    for (const failure of failures) problems.push(`${variant}: ${failure}`);
    variants.push(entry);
  }
  return { size: input.size, ok: problems.length === 0, nodes: { expected: input.size, counted: input.counted.nodes }, misses, badSamples, variants, problems };
}
