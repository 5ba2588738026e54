// The benchmark's key plan, shared by the agent (which runs it) and the orchestrator (which checks what it touched):
// keys are shuffles of the tree's keys; round r of every variant reads the window of keys[] after round r-1's.

/** Deterministic PRNG (mulberry32): the same seed gives the same keys on every machine. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `length` keys: back-to-back shuffles of 0..size-1, so any window of `size` keys inside one shuffle hits every node once. */
export function chooseKeys(size: number, seed: number, length: number): Uint32Array {
  const random = seededRandom(seed ^ size);
  const keys = new Uint32Array(length);
  const deck = Uint32Array.from({ length: size }, (_, index) => index);
  for (let start = 0; start < length; start += size) {
    // Fisher–Yates over the deck, then as much of it as still fits.
    for (let i = size - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [deck[i], deck[j]] = [deck[j]!, deck[i]!];
    }
    keys.set(deck.subarray(0, Math.min(size, length - start)), start);
  }
  return keys;
}

/** Where round `run` (0-based over warm-up then measured rounds) starts in keys[]: each sample reads lookups × repeat keys. */
export function keyOffset(run: number, lookups: number, repeat: number, keysLength: number): number {
  return (run * lookups * repeat) % keysLength;
}

/** The distinct keys the given windows of keys[] cover (each window: lookups × repeat keys from its offset, wrapping). */
export function distinctKeys(keys: Uint32Array, offsets: readonly number[], windowLength: number): number {
  const seen = new Set<number>();
  for (const offset of new Set(offsets)) {
    for (let i = 0; i < windowLength; i++) seen.add(keys[(offset + i) % keys.length]!);
  }
  return seen.size;
}

/** Round r runs the variants rotated by r, so no variant always runs first. */
export function roundOrder<T>(items: readonly T[], round: number): T[] {
  const shift = ((round % items.length) + items.length) % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}
