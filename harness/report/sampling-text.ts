// How adaptive sampling is shown: a cell's CI half-width and sample count, and why sampling stopped at a size.
import type { BenchResult, CellResult } from '../results/model.js';

type SizeSampling = NonNullable<BenchResult['sampling']>[number];

/** "±3.1 %" (null: the median is 0, so the width has no percent). */
export function halfWidthText(percent: number | null, space = ' '): string {
  if (percent === null) return `±?${space}%`;
  return `±${percent < 10 ? percent.toFixed(1) : percent.toFixed(0)}${space}%`;
}

/** " ±1.8% n=37" after a cell's median and CI; empty for cells from logs older than these fields. */
export function cellSamplingText(cell: CellResult): string {
  if (cell.ciHalfWidthPercent === undefined || cell.samplesUsed === undefined) return '';
  return ` ${halfWidthText(cell.ciHalfWidthPercent, '')} n=${cell.samplesUsed}`;
}

/** "size 4096: converged after 37 rounds" / "budget ran out after 120 s at 412 rounds (walk ±3.1 %)"; cells name who missed. */
export function samplingLine(sampled: SizeSampling, cells: readonly CellResult[]): string {
  const seconds = sampled.elapsedMs / 1000;
  const elapsed = `${seconds < 10 ? seconds.toFixed(1) : seconds.toFixed(0)} s`;
  const missed = cells
    .filter((cell) => cell.size === sampled.size && cell.precision && !cell.precision.reached)
    .map((cell) => `${cell.variant} ${halfWidthText(cell.ciHalfWidthPercent ?? null)}`);
  const why = missed.length ? ` (${missed.join(', ')})` : '';
  if (sampled.stop === 'converged') return `size ${sampled.size}: converged after ${sampled.rounds} rounds (${elapsed})${why}`;
  if (sampled.stop === 'budget') return `size ${sampled.size}: budget ran out after ${elapsed} at ${sampled.rounds} rounds${why}`;
  return `size ${sampled.size}: stopped at the cap of ${sampled.rounds} rounds after ${elapsed}${why}`;
}
