// False alarms and detection power of the nightly regression checks, measured on synthetic noise with known truth.
// Usage: node dist/bench/change-points.js [series=500] [seed=12] [pThreshold=0.05] [permutations=199]
// Noise-only series hold no real change, so every reported change point is a false alarm; step series hold one.
import { cpus, release } from 'node:os';
import { seededRandom } from '../harness/agent/bench-plan.js';
import { detectChangePoints } from '../harness/history/change-points.js';
import { mannWhitneyU } from '../harness/results/significance.js';
import { describeError, ExitCode } from '../harness/util/errors.js';

type Random = () => number;

/** The detector's significance settings under test (the rest stay at their defaults). */
interface Test {
  pThreshold: number;
  permutations: number;
}

const STEPS = [0.01, 0.02, 0.05, 0.1];
const LENGTHS = [30, 60];
const MIN_SEGMENT = 4;
const RUN_SAMPLES = 10;
const ALPHA = 0.05;

/** Standard normal draw (Box–Muller); 1 - u keeps the log away from 0. */
function normal(random: Random): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** Lognormal factor with mean 1 and the given coefficient of variation. */
function lognormal(cv: number): (random: Random) => number {
  const sigma = Math.sqrt(Math.log(1 + cv * cv));
  return (random) => Math.exp(sigma * normal(random) - (sigma * sigma) / 2);
}

interface Noise {
  name: string;
  draw: (random: Random) => number;
}

/** Wall-clock-like samples around 5 us: lognormal, so slow outliers are likelier than fast ones. */
function realNs(cv: number): Noise {
  const factor = lognormal(cv);
  return { name: `real-ns-like (lognormal, CV ${cv * 100} %)`, draw: (random) => 5000 * factor(random) };
}

// Instruction counts barely move (0.05 % jitter) but 1 % of runs catch an interrupt storm or a cold cache: +20..80 %.
const ICOUNT: Noise = {
  name: 'icount-like (0.05 % jitter, 1 % outliers +20..80 %)',
  draw: (random) => {
    const value = Math.round(1e6 * (1 + 0.0005 * normal(random)));
    return random() < 0.01 ? Math.round(value * (1.2 + 0.6 * random())) : value;
  },
};

const NOISES: Noise[] = [ICOUNT, realNs(0.03), realNs(0.06)];

/** Wilson score 95 % interval of a binomial proportion. */
function wilson(hits: number, trials: number): { rate: number; low: number; high: number } {
  const z = 1.959964;
  const rate = hits / trials;
  const scale = 1 + (z * z) / trials;
  const centre = (rate + (z * z) / (2 * trials)) / scale;
  const half = (z / scale) * Math.sqrt((rate * (1 - rate)) / trials + (z * z) / (4 * trials * trials));
  return { rate, low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

const percent = (value: number) => (100 * value).toFixed(1);

function cell(hits: number, trials: number): string {
  const { rate, low, high } = wilson(hits, trials);
  return `${percent(rate)} % (${percent(low)}–${percent(high)})`;
}

/** Rows of the change-point tables: noise-only false alarms, then per step the runs that located it (±1) or alerted at all. */
function changePointRows(noise: Noise, length: number, count: number, seed: number, test: Test): { located: string[]; alerted: string[] } {
  const data = seededRandom(seed);
  const random = seededRandom(seed ^ 0x5eed);
  const series = () => Array.from({ length }, () => noise.draw(data));
  let alarms = 0;
  const began = process.hrtime.bigint();
  for (let i = 0; i < count; i++) if (detectChangePoints(series(), { random, ...test }).length > 0) alarms++;
  const located = [noise.name, String(length), cell(alarms, count)];
  const alerted = [noise.name, String(length)];
  for (const step of STEPS) {
    let found = 0;
    let any = 0;
    for (let i = 0; i < count; i++) {
      const values = series();
      const at = MIN_SEGMENT + Math.floor(data() * (length - 2 * MIN_SEGMENT + 1));
      for (let j = at; j < length; j++) values[j]! *= 1 + step;
      const points = detectChangePoints(values, { random, ...test });
      if (points.length > 0) any++;
      if (points.some((point) => Math.abs(point.index - at) <= 1)) found++;
    }
    located.push(cell(found, count));
    alerted.push(cell(any, count));
  }
  const ms = Number(process.hrtime.bigint() - began) / 1e6 / (count * (1 + STEPS.length));
  located.push(ms.toFixed(1));
  return { located, alerted };
}

/** One row of the two-run table: Mann–Whitney at alpha on same-distribution runs, then on runs shifted by each step. */
function mannWhitneyRow(noise: Noise, count: number, seed: number): string[] {
  const data = seededRandom(seed);
  const run = (factor: number) => Array.from({ length: RUN_SAMPLES }, () => noise.draw(data) * factor);
  const rejections = (factor: number) => {
    let hits = 0;
    for (let i = 0; i < count; i++) if (mannWhitneyU(run(1), run(factor)).p < ALPHA) hits++;
    return hits;
  };
  return [noise.name, cell(rejections(1), count), ...STEPS.map((step) => cell(rejections(1 + step), count))];
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Parses a positive integer argument with its default. */
function positive(arg: string | undefined, name: string, fallback: number): number {
  if (arg === undefined) return fallback;
  const value = Number(arg);
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${JSON.stringify(arg)}`);
  return value;
}

function main(): number {
  const count = positive(process.argv[2], 'series', 500);
  const seed = positive(process.argv[3], 'seed', 12);
  const pThreshold = process.argv[4] === undefined ? 0.05 : Number(process.argv[4]);
  if (!(pThreshold > 0 && pThreshold <= 1)) throw new RangeError(`pThreshold must be a number in (0, 1], got ${JSON.stringify(process.argv[4])}`);
  const test = { pThreshold, permutations: positive(process.argv[5], 'permutations', 199) };
  const trials = Math.max(count, 2000);
  console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, Linux ${release()}, Node ${process.version}`);
  console.log(`seed ${seed}; detector: minSegment ${MIN_SEGMENT}, ${test.permutations} permutations, p < ${test.pThreshold}, |change| >= 1 %`);
  console.log('');
  console.log(`## E-divisive change points: ${count} series per cell`);
  console.log('False alarm: >= 1 change point in a noise-only series. Detected: a change point within ±1 of the step. Wilson 95 % CI in brackets.');
  console.log('');
  const stepHeader = STEPS.map((step) => `+${step * 100} %`);
  const rows = NOISES.flatMap((noise, k) => LENGTHS.map((length) => changePointRows(noise, length, count, seed * 1000 + k * 10 + length, test)));
  console.log(table(['noise', 'length', 'false alarms', ...stepHeader.map((h) => `${h} found (±1)`), 'ms/series'], rows.map((row) => row.located)));
  console.log('');
  console.log('The same step series, counting any change point (the alert fired, wherever it put the step):');
  console.log('');
  console.log(table(['noise', 'length', ...stepHeader.map((h) => `${h} alerted`)], rows.map((row) => row.alerted)));
  console.log('');
  console.log(`## Mann–Whitney U, two runs of ${RUN_SAMPLES} vs ${RUN_SAMPLES} samples, p < ${ALPHA}: ${trials} pairs per cell`);
  console.log('');
  console.log(table(['noise', 'false alarms', ...stepHeader.map((h) => `${h} rejected`)], NOISES.map((noise, k) => mannWhitneyRow(noise, trials, seed * 1000 + 500 + k))));
  return ExitCode.ok;
}

try {
  process.exit(main());
} catch (error) {
  const usage = error instanceof RangeError;
  console.error(usage ? `usage error: ${error.message}` : describeError(error));
  process.exit(usage ? ExitCode.usage : ExitCode.unavailable);
}
