import { cpus, hostname, totalmem } from 'node:os';
import type { RunResults } from '../results/model.js';

/** The machine the orchestrator runs on, recorded with every result. */
export function describeHost(): RunResults['run']['host'] {
  const list = cpus();
  return { hostname: hostname(), cpu: list[0]?.model ?? 'unknown', cores: list.length, memoryGiB: Math.round(totalmem() / 2 ** 30) };
}
