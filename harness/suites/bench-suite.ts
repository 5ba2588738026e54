// Benchmark on one target: every agent sample is reported as it arrives; a size's cells, ratios and integrity
// record follow once the agent has counted what that size's samples touched.
import { chooseKeys } from '../agent/bench-plan.js';
import type { AgentBenchVariant, AgentEvent, SamplingStop } from '../agent/protocol.js';
import type { BenchConfig } from '../config/run-config.js';
import type { TargetEventBody } from '../results/events.js';
import type { BenchResult, SampleRecord } from '../results/model.js';
import { atLeast, VARIANT_NEEDS, type BenchVariant, type Level } from '../results/vocab.js';
import type { Target } from '../targets/target.js';
import type { Same } from '../util/same-type.js';
import { buildCell, buildRatios, calibration } from './bench-cells.js';
import { judgeIntegrity } from './bench-integrity.js';
import { decidingLine, logExcerpt } from './verdict.js';

// The agent's variant names are the vocabulary's: a variant added on one side only fails to compile here.
const VARIANTS_AGREE: Same<AgentBenchVariant, BenchVariant> = true;
void VARIANTS_AGREE;
// So do the reasons adaptive sampling stops.
const STOPS_AGREE: Same<SamplingStop, NonNullable<BenchResult['sampling']>[number]['stop']> = true;
void STOPS_AGREE;

/** Splits configured variants into those the level can load and those it must reject. */
export function planVariants(variants: readonly BenchVariant[], level: Level): { run: BenchVariant[]; reject: BenchVariant[] } {
  const wanted = variants.filter((variant) => variant !== 'empty');
  return {
    run: wanted.filter((variant) => atLeast(level, VARIANT_NEEDS[variant])),
    reject: wanted.filter((variant) => !atLeast(level, VARIANT_NEEDS[variant])),
  };
}

/** Runs the benchmark for every size, reporting each raw sample, then cells, ratios and the integrity record per size. */
export async function runBenchSuite(target: Target, object: { path: string; hash?: string }, config: BenchConfig, level: Level, report: (event: TargetEventBody) => void): Promise<void> {
  const plan = planVariants(config.variants, level);
  const measuredVariants: BenchVariant[] = [...plan.run, 'empty'];
  const unit = target.info.timeUnit;
  const precision = config.precision ? { precision: { ...config.precision } } : {};
  report({ type: 'bench-start', bench: { sizes: config.sizes, samples: config.samples, warmup: config.warmup, lookups: config.lookups, repeat: config.repeat, seed: config.seed, unit, objectHash: object.hash, ...precision, variants: measuredVariants } });
  const bySize = new Map<number, SampleRecord[]>();
  const keysLength = new Map<number, number>();
  // With precision the agent says per size how many measured rounds it ran; integrity expects exactly those.
  const measuredRounds = new Map<number, number>();
  const error = (message: string, size?: number) => report({ type: 'bench-error', size, message });

  const finishSize = (event: Extract<AgentEvent, { type: 'integrity' }>) => {
    const samples = bySize.get(event.size) ?? [];
    const keys = chooseKeys(event.size, config.seed, keysLength.get(event.size) ?? 0);
    if (config.precision && !measuredRounds.has(event.size)) error(`size ${event.size}: the agent did not say how many rounds adaptive sampling ran (no size-sampled event)`, event.size);
    const rounds = config.warmup + (measuredRounds.get(event.size) ?? config.samples);
    const integrity = judgeIntegrity({ size: event.size, variants: measuredVariants, samples, lookups: config.lookups, repeat: config.repeat, rounds, keys, counted: event });
    report({ type: 'bench-integrity', integrity });
    if (!integrity.ok) error(`integrity check failed at size ${event.size}: ${integrity.problems.join('; ')}`, event.size);
    const byVariant = new Map<BenchVariant, SampleRecord[]>();
    for (const variant of measuredVariants) byVariant.set(variant, samples.filter((sample) => sample.variant === variant));
    const empty = byVariant.get('empty') ?? [];
    if (empty.length) report({ type: 'bench-calibration', calibration: { size: event.size, unit, emptyPerLookup: calibration(empty) } });
    for (const variant of measuredVariants) {
      const list = byVariant.get(variant);
      if (list?.length) report({ type: 'bench-cell', cell: buildCell(event.size, variant, unit, list, empty, config.precision?.halfWidthPercent) });
    }
    for (const ratio of buildRatios(event.size, unit, byVariant, empty, config.seed)) report({ type: 'bench-ratio', ratio });
  };

  await target.runAgent(
    { op: 'bench', object: object.path, variants: plan.run, rejectProbe: plan.reject, sizes: config.sizes, samples: config.samples, warmup: config.warmup, lookups: config.lookups, repeat: config.repeat, seed: config.seed, ...precision },
    (event) => {
      if (event.type === 'bench-rejected') {
        const loaded = event.code === 'ELOADED';
        const message = loaded ? 'expected the verifier to reject this variant on this kernel, but it loaded' : decidingLine(event.log);
        if (loaded) error(`variant ${event.variant}: ${message}`);
        report({ type: 'bench-rejected', variant: event.variant, message });
      } else if (event.type === 'size-start') {
        keysLength.set(event.size, event.keys);
      } else if (event.type === 'sample') {
        const { type: _type, ...sample } = event;
        const list = bySize.get(event.size) ?? [];
        bySize.set(event.size, list);
        list.push(sample);
        report({ type: 'bench-sample', sample });
      } else if (event.type === 'size-sampled') {
        measuredRounds.set(event.size, event.rounds);
        report({ type: 'bench-sampled', sampled: { size: event.size, rounds: event.rounds, stop: event.stop, elapsedMs: event.elapsedMs } });
      } else if (event.type === 'integrity') {
        finishSize(event);
      } else if (event.type === 'size-error') {
        error(event.log ? `${event.message}\n${logExcerpt(event.log)}` : event.message, event.size);
      }
    },
  );
}
