// What one LAVA job runs on its machine: the agent requests in run order, the objects they load and what the merge
// needs to judge the results as a direct run would. Printed into the job log, so the log alone rebuilds the run.
import type { AgentRequest } from '../agent/protocol.js';
import type { BenchConfig } from '../config/run-config.js';
import type { Provenance, RunInfo } from '../results/model.js';
import type { Level, Series } from '../results/vocab.js';

export const LAVA_PLAN_SCHEMA = 'kptrlab.lava-plan';
export const LAVA_PLAN_VERSION = 1;

/** Prefixes of the lines the test definition prints; the merge reads only `lvl: target` lines that start with one. */
export const LAVA_LINE = {
  plan: 'KPTRLAB-PLAN',
  machine: 'KPTRLAB-MACHINE',
  version: 'KPTRLAB-VERSION',
  event: 'KPTRLAB-EVENT',
  stepEnd: 'KPTRLAB-STEP-END',
  end: 'KPTRLAB-END',
} as const;

/** The agent runs of a target, in the order a direct run makes them (runner/target-run.ts). */
export const LAVA_STEPS = ['environment-before', 'probe', 'verify', 'bench', 'environment-after'] as const;
export type LavaStepName = (typeof LAVA_STEPS)[number];

export interface LavaStep {
  name: LavaStepName;
  /** Object paths are relative to the job's work folder (objects/<sha256>.bpf.o); sources are project-relative. */
  request: AgentRequest;
}

/** A compiled BPF object as the job fetches it. */
export interface LavaObject {
  /** objects/<sha256>.bpf.o, under the artifacts URL and in the work folder. */
  file: string;
  /** The source, relative to the kptrlab project. */
  source: string;
  hash: string;
}

export interface LavaPlan {
  schema: typeof LAVA_PLAN_SCHEMA;
  schemaVersion: typeof LAVA_PLAN_VERSION;
  /** The config target this job runs, and the inventory machine it is. */
  target: string;
  machine: string;
  config: { file: string; hash: string };
  /** Every LAVA target of the config in config order: the merge wants each exactly once. */
  targets: string[];
  kptrlab: RunInfo['kptrlab'];
  series?: Series;
  kernel: Omit<Provenance['kernel'], 'release'>;
  /** The built kernel's banner (its /proc/version), when found in its vmlinux: the job's kernel must print it. */
  banner?: string;
  objects: LavaObject[];
  compileErrors: Array<{ source: string; firstError: string }>;
  verifyLogLevel: number;
  /** The benchmark as configured, and the level its variants were split for (the declared series'). */
  bench?: { config: BenchConfig; level: Level; objectHash: string };
  steps: LavaStep[];
}

/** A job name that carries the target and the config hash (LAVA shows it in every list). */
export function lavaJobName(plan: Pick<LavaPlan, 'target' | 'config'>): string {
  return `kptrlab ${plan.target} config ${plan.config.hash.slice(0, 12)}`;
}

/** Whether a parsed JSON value is a plan this kptrlab reads. */
export function planProblem(value: unknown): string | undefined {
  if (!value || typeof value !== 'object') return 'the plan is not a JSON object';
  const plan = value as Partial<LavaPlan>;
  if (plan.schema !== LAVA_PLAN_SCHEMA) return `the plan's schema is ${String(plan.schema)}, not ${LAVA_PLAN_SCHEMA}`;
  if (plan.schemaVersion !== LAVA_PLAN_VERSION) return `plan schema version ${String(plan.schemaVersion)}, this kptrlab reads version ${LAVA_PLAN_VERSION}`;
  if (typeof plan.target !== 'string' || !Array.isArray(plan.steps) || !Array.isArray(plan.targets) || typeof plan.config?.hash !== 'string') return 'the plan lacks target, targets, config or steps';
  return undefined;
}
