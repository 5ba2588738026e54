// The JSON contract between the orchestrator and the agent that runs on a target (one request in, NDJSON events out).
import type { VerifierStats } from '../native/stats.js';
import type { BenchVariant, ProbeFacts } from '../suites/capability.js';

export const AGENT_PROTOCOL_VERSION = 1;

export interface ProbeRequest {
  op: 'probe';
  /** Compiled probe objects (programs/probes). */
  objects: string[];
}

export interface VerifyRequest {
  op: 'verify';
  objects: Array<{ path: string; source: string }>;
  logLevel: number;
}

export interface BenchRequest {
  op: 'bench';
  object: string;
  /** Variants to measure (the empty calibration loop is always added). */
  variants: BenchVariant[];
  /** Variants the kernel is expected to reject: loaded alone once to record the verifier's message. */
  rejectProbe: BenchVariant[];
  sizes: number[];
  samples: number;
  warmup: number;
  lookups: number;
  repeat: number;
  seed: number;
}

export type AgentRequest = ProbeRequest | VerifyRequest | BenchRequest;

/** The verifier's statistics as parsed from the log (the same shape travels on the wire). */
export type VerifierStatsWire = VerifierStats;

export type AgentEvent =
  | { type: 'hello'; protocol: number; kernel: string; arch: string; libbpf: string; pid: number }
  | { type: 'probe'; facts: ProbeFacts }
  | { type: 'object-error'; object: string; source?: string; message: string; code?: string }
  | {
      type: 'case';
      source: string;
      program: string;
      tags: string[];
      loaded: boolean;
      code?: string;
      /** Full verifier log when rejected; empty when accepted (stats carry the numbers). */
      log: string;
      stats: VerifierStatsWire | null;
    }
  | { type: 'bench-rejected'; variant: BenchVariant; log: string; code?: string }
  | { type: 'size-start'; size: number; populateNs: number }
  | { type: 'sample'; size: number; variant: BenchVariant; round: number; durationNs: number; lookups: number; hits: number; misses: number }
  | { type: 'integrity'; size: number; expectedSum: number; checkSum: number; expectedNodes: number; checkNodes: number; misses: number }
  | { type: 'size-error'; size: number; message: string; log?: string }
  | { type: 'done' };
