// Kernel capability levels for the kptr_xchg-on-non-owning-node series, derived from probes (never from versions).

/** Ordered levels: each includes everything below it. */
export const LEVELS = ['nowalk', 'base', 'lock', 'nonown', 'full'] as const;
export type Level = (typeof LEVELS)[number];

export const LEVEL_MEANING: Record<Level, string> = {
  nowalk: 'no bpf_rbtree_root/left/right kfuncs',
  base: 'rbtree walk kfuncs, none of the series',
  lock: 'series patch 1 only: kptr_xchg allowed under bpf_spin_lock',
  nonown: 'series without the MEM_RCU part (v5): kptr_xchg on non-owning nodes',
  full: 'full series: kptr_xchg on non-owning nodes, refcounted (MEM_RCU) ones too',
};

/** What the probes found: kfunc presence from BTF, verifier verdicts from loading probe programs. */
export interface ProbeFacts {
  kfuncs: Record<string, boolean>;
  probes: Record<string, { loaded: boolean; message?: string }>;
}

export interface Capability {
  level: Level;
  walkKfuncs: boolean;
  xchgUnderLock: boolean;
  xchgNonOwn: boolean;
  xchgNonOwnRcu: boolean;
  /** Inconsistencies between probes (e.g. non-own works but under-lock does not). */
  anomalies: string[];
}

export const WALK_KFUNCS = ['bpf_rbtree_root', 'bpf_rbtree_left', 'bpf_rbtree_right'] as const;
export const PROBE_PROGRAMS = {
  walk: 'probe_walk',
  xchgUnderLock: 'probe_xchg_under_lock',
  xchgNonOwn: 'probe_xchg_non_own',
  xchgNonOwnRcu: 'probe_xchg_non_own_rcu',
} as const;

/** Derives the level from probe facts; the level is the highest one whose every step holds. */
export function deriveCapability(facts: ProbeFacts): Capability {
  const loaded = (name: string) => facts.probes[name]?.loaded === true;
  const walkKfuncs = WALK_KFUNCS.every((name) => facts.kfuncs[name] === true) && loaded(PROBE_PROGRAMS.walk);
  const xchgUnderLock = loaded(PROBE_PROGRAMS.xchgUnderLock);
  const xchgNonOwn = loaded(PROBE_PROGRAMS.xchgNonOwn);
  const xchgNonOwnRcu = loaded(PROBE_PROGRAMS.xchgNonOwnRcu);
  const anomalies: string[] = [];
  if (xchgNonOwn && !xchgUnderLock) anomalies.push('kptr_xchg on a non-owning node loads but kptr_xchg under a lock does not');
  if (xchgNonOwnRcu && !xchgNonOwn) anomalies.push('the MEM_RCU variant loads but the plain non-owning one does not');
  let level: Level = 'nowalk';
  if (walkKfuncs) level = 'base';
  if (walkKfuncs && xchgUnderLock) level = 'lock';
  if (level === 'lock' && xchgNonOwn) level = 'nonown';
  if (level === 'nonown' && xchgNonOwnRcu) level = 'full';
  return { level, walkKfuncs, xchgUnderLock, xchgNonOwn, xchgNonOwnRcu, anomalies };
}

/** a >= b in level order. */
export function atLeast(a: Level, b: Level): boolean {
  return LEVELS.indexOf(a) >= LEVELS.indexOf(b);
}

export const BENCH_VARIANTS = ['fast', 'baseline', 'stock', 'walk', 'empty'] as const;
export type BenchVariant = (typeof BENCH_VARIANTS)[number];

/** The lowest level on which each access variant loads. */
export const VARIANT_NEEDS: Record<BenchVariant, Level> = {
  fast: 'nonown',
  baseline: 'lock',
  stock: 'base',
  walk: 'base',
  empty: 'nowalk',
};

/** Variants that touch the payload (each access adds exactly 1 to a counter). */
export const KPTR_VARIANTS: ReadonlySet<BenchVariant> = new Set(['fast', 'baseline', 'stock']);

/** The bench program implementing a variant. */
export function benchProgram(variant: BenchVariant): string {
  return `bench_${variant}`;
}
