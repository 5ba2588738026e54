// Pure pieces of the benchmark plan shared by the agent and the tests: keys and interleaving order.
import { seededRandom } from '../results/stats.js';

/** Must match KL_KEYS_MAX in programs/bench/rbtree_bench.bpf.c. */
export const KEYS_MAX = 8192;

/** Random lookup keys in [0, size), the same for every variant of a size. */
export function chooseKeys(size: number, seed: number): Uint32Array {
  const random = seededRandom(seed ^ size);
  const keys = new Uint32Array(KEYS_MAX);
  for (let i = 0; i < KEYS_MAX; i++) keys[i] = Math.floor(random() * size);
  return keys;
}

/** Round r runs the variants rotated by r, so no variant always runs first. */
export function roundOrder<T>(items: readonly T[], round: number): T[] {
  const shift = round % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}
