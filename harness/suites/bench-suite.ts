// Benchmark on one target: streams agent samples, builds cells per size once that size's integrity check is in.
import type { BenchConfig } from '../config/run-config.js';
import type { BenchResult, CellResult, IntegrityResult, RatioResult } from '../results/model.js';
import type { Target } from '../targets/target.js';
import { buildCell, buildRatios, calibration, type RawSample } from './bench-cells.js';
import { atLeast, KPTR_VARIANTS, VARIANT_NEEDS, type BenchVariant, type Level } from './capability.js';
import { decidingLine, logExcerpt } from './verdict.js';

export interface BenchListener {
  rejected(variant: BenchVariant, message: string): void;
  progress(size: number, done: number, total: number): void;
  cell(cell: CellResult): void;
  ratio(ratio: RatioResult): void;
  integrity(result: IntegrityResult): void;
  calibration(size: number, result: BenchResult['calibration'][number]): void;
  error(message: string, size?: number): void;
}

/** Splits configured variants into those the level can load and those it must reject. */
export function planVariants(variants: readonly BenchVariant[], level: Level): { run: BenchVariant[]; reject: BenchVariant[] } {
  const wanted = variants.filter((variant) => variant !== 'empty');
  return {
    run: wanted.filter((variant) => atLeast(level, VARIANT_NEEDS[variant])),
    reject: wanted.filter((variant) => !atLeast(level, VARIANT_NEEDS[variant])),
  };
}

/** Runs the benchmark for every size; samples that lost data are integrity failures. */
export async function runBenchSuite(target: Target, object: string, config: BenchConfig, level: Level, listener: BenchListener): Promise<void> {
  const plan = planVariants(config.variants, level);
  const samples = new Map<number, Map<BenchVariant, RawSample[]>>();
  const badSamples = new Map<number, number>();
  const perSize = (plan.run.length + 1) * config.samples;
  const expectedHits = config.lookups * config.repeat;
  await target.runAgent(
    {
      op: 'bench',
      object,
      variants: plan.run,
      rejectProbe: plan.reject,
      sizes: config.sizes,
      samples: config.samples,
      warmup: config.warmup,
      lookups: config.lookups,
      repeat: config.repeat,
      seed: config.seed,
    },
    (event) => {
      if (event.type === 'bench-rejected') {
        const message = event.code === 'ELOADED' ? 'expected the verifier to reject this variant on this kernel, but it loaded' : decidingLine(event.log);
        if (event.code === 'ELOADED') listener.error(`variant ${event.variant}: ${message}`);
        listener.rejected(event.variant, message);
      } else if (event.type === 'sample') {
        const bySize = samples.get(event.size) ?? new Map<BenchVariant, RawSample[]>();
        samples.set(event.size, bySize);
        const list = bySize.get(event.variant) ?? [];
        list.push({ round: event.round, durationNs: event.durationNs, lookups: event.lookups });
        bySize.set(event.variant, list);
        const hitsExpected = event.variant === 'empty' ? 0 : expectedHits;
        if (event.hits !== hitsExpected || event.misses !== 0) badSamples.set(event.size, (badSamples.get(event.size) ?? 0) + 1);
        const done = [...bySize.values()].reduce((sum, entries) => sum + entries.length, 0);
        listener.progress(event.size, done, perSize);
      } else if (event.type === 'integrity') {
        finishSize(event, samples.get(event.size) ?? new Map(), badSamples.get(event.size) ?? 0);
      } else if (event.type === 'size-error') {
        listener.error(event.log ? `${event.message}\n${logExcerpt(event.log)}` : event.message, event.size);
      }
    },
  );

  function finishSize(event: Omit<IntegrityResult, 'ok'>, bySize: Map<BenchVariant, RawSample[]>, bad: number): void {
    const kptrRan = plan.run.some((variant) => KPTR_VARIANTS.has(variant));
    const ok = event.checkSum === event.expectedSum && event.checkNodes === event.expectedNodes && event.misses === 0 && bad === 0 && (kptrRan ? event.expectedSum > 0 : true);
    listener.integrity({ size: event.size, ok, expectedSum: event.expectedSum, checkSum: event.checkSum, expectedNodes: event.expectedNodes, checkNodes: event.checkNodes, misses: event.misses });
    if (!ok) listener.error(`integrity check failed at size ${event.size}: counter sum ${event.checkSum} (expected ${event.expectedSum}), nodes ${event.checkNodes} (expected ${event.expectedNodes}), misses ${event.misses}, samples with wrong hit counts ${bad}`, event.size);
    const empty = bySize.get('empty') ?? [];
    if (empty.length) listener.calibration(event.size, { size: event.size, emptyPerLookup: calibration(empty) });
    for (const variant of [...plan.run, 'empty' as const]) {
      const list = bySize.get(variant);
      if (list?.length) listener.cell(buildCell(event.size, variant, target.info.timeUnit, list, empty));
    }
    for (const ratio of buildRatios(event.size, bySize, empty, config.seed)) listener.ratio(ratio);
  }
}
