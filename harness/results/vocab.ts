// The project's vocabulary, declared once as data: capability levels, series declarations, bench variants,
// ratio pairs, accelerators and time units. The bottom of the import graph: it imports nothing.

/** Ordered capability levels: each includes everything below it. */
export const LEVELS = ['nowalk', 'base', 'lock', 'nonown', 'full'] as const;
export type Level = (typeof LEVELS)[number];

export const LEVEL_MEANING: Record<Level, string> = {
  nowalk: 'no bpf_rbtree_root/left/right kfuncs',
  base: 'rbtree walk kfuncs, none of the series',
  lock: 'series patch 1 only: kptr_xchg allowed under bpf_spin_lock',
  nonown: 'series without the MEM_RCU part (v5): kptr_xchg on non-owning nodes',
  full: 'full series: kptr_xchg on non-owning nodes, refcounted (MEM_RCU) ones too',
};

/** a >= b in level order. */
export function atLeast(a: Level, b: Level): boolean {
  return LEVELS.indexOf(a) >= LEVELS.indexOf(b);
}

/** What a target's config declares about the series under test (target key `series:`), and the level it gives. */
export const SERIES = ['absent', 'lock', 'v5', 'full'] as const;
export type Series = (typeof SERIES)[number];
export const SERIES_LEVEL: Record<Series, Level> = { absent: 'base', lock: 'lock', v5: 'nonown', full: 'full' };

/** Whether a probed level is the one a declaration promises ("absent" also fits a kernel without the walk kfuncs). */
export function seriesFits(series: Series, level: Level): boolean {
  return series === 'absent' ? level === 'base' || level === 'nowalk' : SERIES_LEVEL[series] === level;
}

/** Benchmark variants: the lowest level each loads on, and whether each access goes through the node's kptr payload. */
export const BENCH_VARIANT_SPEC = {
  fast: { needs: 'nonown', kptr: true, meaning: 'lock; walk; kptr_xchg on the non-owning node; unlock (the series)' },
  baseline: { needs: 'lock', kptr: true, meaning: 'lock; walk; remove; kptr_xchg; add; unlock (patch 1)' },
  stock: { needs: 'base', kptr: true, meaning: 'lock; walk; remove; unlock; kptr_xchg; lock; add; unlock' },
  walk: { needs: 'base', kptr: false, meaning: 'lock; walk; unlock (no payload access)' },
  empty: { needs: 'nowalk', kptr: false, meaning: 'the loop and key reads only (calibration)' },
} as const satisfies Record<string, { needs: Level; kptr: boolean; meaning: string }>;
export type BenchVariant = keyof typeof BENCH_VARIANT_SPEC;
export const BENCH_VARIANTS = Object.keys(BENCH_VARIANT_SPEC) as BenchVariant[];
export const VARIANT_NEEDS: Record<BenchVariant, Level> = Object.fromEntries(BENCH_VARIANTS.map((variant) => [variant, BENCH_VARIANT_SPEC[variant].needs])) as Record<BenchVariant, Level>;
/** Variants whose every access adds 1 to the node payload's counter. */
export const KPTR_VARIANTS: ReadonlySet<BenchVariant> = new Set(BENCH_VARIANTS.filter((variant) => BENCH_VARIANT_SPEC[variant].kptr));

/** Ratios reported wherever both sides ran: the workaround over the fast path, and the costs of the workaround's steps. */
export const RATIO_PAIRS: ReadonlyArray<readonly [BenchVariant, BenchVariant]> = [
  ['stock', 'fast'],
  ['baseline', 'fast'],
  ['stock', 'baseline'],
  ['stock', 'walk'],
];

export type Accelerator = 'native' | 'kvm' | 'tcg';

/** ns: real time; icount-ns: TCG instruction counting (deterministic, not time); tcg-ns: emulated wall time (noise, never compared). */
export type TimeUnit = 'ns' | 'icount-ns' | 'tcg-ns';

/** The unit a target's timings are in, from its accelerator and whether TCG counts instructions. */
export function timeUnitFor(accelerator: Accelerator, icount: boolean): TimeUnit {
  if (accelerator !== 'tcg') return 'ns';
  return icount ? 'icount-ns' : 'tcg-ns';
}

/** Whether two figures may be compared: same unit, and never emulated wall time. */
export function comparableUnits(a: TimeUnit, b: TimeUnit): boolean {
  return a === b && a !== 'tcg-ns';
}

export type SelftestStatus = 'pass' | 'fail' | 'skip' | 'expected-fail' | 'unexpected-pass' | 'allowed-fail';

/** Selftest statuses that fail a run. */
export const FAILING: ReadonlySet<SelftestStatus> = new Set(['fail', 'unexpected-pass']);
