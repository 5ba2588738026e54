import { cpus, hostname, release, totalmem } from 'node:os';
import type { RunInfo } from '../results/model.js';

/** The machine the orchestrator runs on, recorded with every run. */
export function describeHost(): RunInfo['host'] {
  const list = cpus();
  return { hostname: hostname(), cpu: list[0]?.model ?? 'unknown', cores: list.length, memoryGiB: Math.round(totalmem() / 2 ** 30), kernelRelease: release() };
}
