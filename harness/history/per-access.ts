// A cell's calibrated per-access values, one per measured round, from the run's raw samples (what significance tests read).
import type { CellResult, SampleRecord } from '../results/model.js';

/** (variant − empty loop of the same round) / lookups for every measured round (round ≥ 0), in round order, as the cells compute it. */
export function perAccessValues(samples: readonly SampleRecord[], cell: Pick<CellResult, 'size' | 'variant'>): number[] {
  const empty = new Map<number, number>();
  for (const sample of samples) if (sample.size === cell.size && sample.variant === 'empty' && sample.round >= 0) empty.set(sample.round, sample.durationNs);
  return samples
    .filter((sample) => sample.size === cell.size && sample.variant === cell.variant && sample.round >= 0)
    .sort((a, b) => a.round - b.round)
    .map((sample) => (sample.durationNs - (empty.get(sample.round) ?? 0)) / sample.lookups);
}
