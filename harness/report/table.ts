// The default terminal reporter: verifier rows as they arrive, the benchmark table at the end, a live progress line.
import type { RunEvent } from '../results/events.js';
import type { CaseResult, IntegrityResult, RunResults, TargetResult } from '../results/model.js';
import { BENCH_VARIANTS, LEVEL_MEANING, type TimeUnit } from '../results/vocab.js';
import { speedupTable, verdictMatrix } from './ab-summary.js';
import { environmentLine } from './environment-line.js';

// What each unit means, printed above a benchmark table so nobody reads icount as time.
const UNIT_LABEL: Record<TimeUnit, string> = {
  ns: 'ns',
  'icount-ns': 'icount ns (TCG instruction counting, not real time)',
  'tcg-ns': 'tcg ns (emulated wall time without instruction counting: noise, compare with nothing)',
};
import { SELFTEST_HEADER, selftestCounts, selftestMatrix, selftestRow } from './selftest-table.js';
import type { SelftestResult } from '../results/model.js';
import { formatTable, indent, medianWithCi, sig } from './format.js';
import { cellSamplingText, halfWidthText, samplingLine } from './sampling-text.js';
import type { Reporter, ReporterContext } from './reporter.js';

export class TableReporter implements Reporter {
  private progressShown = false;
  private casesHeaderShown = new Set<string>();
  private lastCaseTarget: string | undefined;
  private resultsPath = '';
  // Samples expected and seen per target and size, for the live progress line.
  private benchTotal = new Map<string, number>();
  private benchSeen = new Map<string, number>();
  private benchCeiling = new Set<string>();

  constructor(private readonly context: ReporterContext) {}

  onEvent(event: RunEvent, state: RunResults): void {
    if (event.type !== 'bench-sample') this.clearProgress();
    switch (event.type) {
      case 'run-start':
        this.resultsPath = event.resultsPath;
        this.line(`kptrlab: ${event.run.configFile} → ${event.resultsPath}`);
        break;
      case 'target-start':
        // A VM's kernel release and accelerator are known only once it booted (see target-ready).
        this.line(`\ntarget ${event.target.name}: ${event.target.kind}, ${event.target.arch}${event.target.kind === 'local' ? `, kernel ${event.target.kernelRelease}, ${event.target.accelerator}` : ''}`);
        break;
      case 'target-ready':
        if (event.target.kind !== 'local') {
          // Why this accelerator (QEMU's refusal, a remembered probe, ...): the live progress line forgets the stage that said it.
          const why = this.context.live ? event.target.acceleratorReason : undefined;
          this.line(`  ready: kernel ${event.target.kernelRelease}, ${event.target.arch}, ${event.target.accelerator}${event.target.timeUnit === 'icount-ns' ? ' with instruction counting (icount-ns)' : event.target.timeUnit === 'tcg-ns' ? ' without instruction counting (tcg-ns: emulated time, noise)' : ''}${why ? `\n  accelerator ${event.target.accelerator}: ${why}` : ''}`);
        }
        break;
      case 'stage':
        if (!this.context.live) this.line(`  [${event.target}] ${event.stage}`);
        break;
      case 'capability':
        this.line(`  capability: ${event.capability.level} (${LEVEL_MEANING[event.capability.level]})`);
        for (const anomaly of event.capability.anomalies) this.line(`  capability anomaly: ${anomaly}`);
        break;
      case 'compile-error':
        this.line(`  COMPILE ERROR ${event.source}\n${indent(event.firstError)}`);
        break;
      case 'case':
        this.caseRow(event.target, event.result);
        break;
      case 'selftest':
        this.selftestRow(event.target, event.result);
        break;
      case 'selftest-compare': {
        const ours = state.targets.find((entry) => entry.target.name === event.target)?.selftests?.tests.find((test) => test.id === event.id)?.status;
        if (!event.testProgs.agrees) this.line(`  DIFFERS ${event.id}: kptrlab ${ours ?? '?'}, test_progs ${event.theirsName}:${event.testProgs.verdict}`);
        break;
      }
      case 'test-progs':
        if (!this.context.live) this.line(`  [${event.target}] test_progs: ${event.summary.note}`);
        break;
      case 'bench-start': {
        // With precision the total is a ceiling: sampling may stop well before maxSamples.
        const rounds = event.bench.warmup + (event.bench.precision ? Math.max(event.bench.samples, event.bench.precision.maxSamples) : event.bench.samples);
        for (const size of event.bench.sizes) this.benchTotal.set(`${event.target}/${size}`, event.bench.variants.length * rounds);
        if (event.bench.precision) this.benchCeiling.add(event.target);
        break;
      }
      case 'bench-rejected':
        this.line(`  bench ${event.variant}: rejected by the verifier: ${event.message}`);
        break;
      case 'bench-sample': {
        const key = `${event.target}/${event.sample.size}`;
        const seen = (this.benchSeen.get(key) ?? 0) + 1;
        this.benchSeen.set(key, seen);
        this.progress(`  bench size ${event.sample.size}: ${seen}/${this.benchCeiling.has(event.target) ? 'at most ' : ''}${this.benchTotal.get(key) ?? '?'} samples`);
        break;
      }
      case 'bench-sampled':
        this.line(`  bench ${samplingLine(event.sampled, [])}`);
        break;
      case 'bench-integrity':
        this.line(`  bench size ${event.integrity.size}: ${integrityText(event.integrity)}`);
        break;
      case 'bench-error':
        this.line(`  ERROR [${event.target}] bench${event.size === undefined ? '' : ` size ${event.size}`}: ${event.message}`);
        break;
      case 'error':
        this.line(`  ERROR [${event.target ?? 'run'}] ${event.stage}: ${event.message}${event.code ? ` [${event.code}]` : ''}${event.hint ? `\n    fix: ${event.hint}` : ''}`);
        if (event.consoleTail) this.line(`    console (last lines):\n${indent(event.consoleTail, '      | ')}`);
        break;
      case 'run-end':
        this.summary(state, event.exitCode, this.resultsPath);
        break;
      default:
        break;
    }
  }

  private caseRow(target: string, result: CaseResult): void {
    // Targets on different machines run at the same time: their rows interleave, so a switch repeats the header.
    if (!this.casesHeaderShown.has(target) || this.lastCaseTarget !== target) {
      this.casesHeaderShown.add(target);
      this.lastCaseTarget = target;
      this.line(`  verifier matrix on ${target} (level ${result.level}):`);
      this.line(`    ${'case'.padEnd(34)} ${'expect'.padEnd(6)} ${'got'.padEnd(6)} ${'insns'.padStart(7)} ${'states'.padStart(6)} ${'peak'.padStart(5)} ${'usec'.padStart(6)}  result`);
    }
    const stats = result.stats;
    const row = `    ${result.id.padEnd(34)} ${result.expected.padEnd(6)} ${result.actual.padEnd(6)} ${String(stats?.insnsProcessed ?? '-').padStart(7)} ${String(stats?.totalStates ?? '-').padStart(6)} ${String(stats?.peakStates ?? '-').padStart(5)} ${String(stats?.verificationTimeUs ?? '-').padStart(6)}  ${result.status.toUpperCase()}`;
    this.line(row);
    if (result.status === 'fail' || result.status === 'error') {
      if (result.reason) this.line(`      why: ${result.reason}`);
      if (result.excerpt) this.line(indent(result.excerpt, '      | '));
    }
  }

  private selftestRow(target: string, result: SelftestResult): void {
    if (!this.casesHeaderShown.has(`selftests:${target}`)) {
      this.casesHeaderShown.add(`selftests:${target}`);
      this.line(`  kernel tree selftests:\n${SELFTEST_HEADER}`);
    }
    this.line(selftestRow(result));
    // Known outcomes get one short line; the full reason is in results.json.
    const known = result.status === 'allowed-fail' || result.status === 'expected-fail' || result.status === 'skip';
    if (result.status !== 'pass' && result.reason) this.line(`      why: ${known && result.reason.length > 160 ? `${result.reason.slice(0, 160)}…` : result.reason}`);
    if ((result.status === 'fail' || result.status === 'unexpected-pass') && result.excerpt) this.line(indent(result.excerpt, '      | '));
  }

  private summary(results: RunResults, exitCode: number, resultsPath: string): void {
    for (const target of results.targets) this.benchTable(target);
    const matrix = verdictMatrix(results);
    if (matrix) this.line(`\nverdicts across kernels:\n${indent(matrix, '  ')}`);
    const speedups = speedupTable(results);
    if (speedups) this.line(`\nfast-path speedups (ratio of medians, 95% CI; never compare across accelerators):\n${indent(speedups, '  ')}`);
    const selftests = selftestMatrix(results);
    if (selftests) this.line(`\nkernel tree selftests across kernels (XFAIL: expected only because the config declares less of the series there):\n${indent(selftests, '  ')}`);
    for (const target of results.targets) {
      if (target.provenance?.environment) this.line(`environment on ${target.target.name}: ${environmentLine(target.provenance.environment)}`);
    }
    for (const target of results.targets) {
      if (target.selftests) this.line(`selftests on ${target.target.name}: ${selftestCounts(target.selftests.tests) || 'none run'}${target.selftests.testProgs ? `; test_progs: ${target.selftests.testProgs.note}` : ''}`);
    }
    const cases = results.targets.flatMap((target) => target.cases);
    const count = (status: CaseResult['status']) => cases.filter((entry) => entry.status === status).length;
    if (cases.length) this.line(`\nverifier: ${count('pass')} passed, ${count('fail')} failed, ${count('error')} errors, ${count('skip')} skipped`);
    this.line(`results: ${resultsPath}`);
    this.line(`status: ${results.run.status} (exit ${exitCode})`);
  }

  private benchTable(target: TargetResult): void {
    const bench = target.bench;
    if (!bench || bench.cells.length === 0) return;
    const unit = UNIT_LABEL[bench.cells[0]!.unit];
    // Cells from logs before the CI width was recorded keep the old header: n was the same for every cell then.
    const sampling = bench.cells.some((cell) => cell.samplesUsed !== undefined)
      ? `median [95% CI] ±CI half-width in % of the median, n samples${bench.precision ? `; precision: until ${halfWidthText(bench.precision.halfWidthPercent)} within ${bench.precision.budgetSec} s per size, at most ${bench.precision.maxSamples} samples` : ''}`
      : `median [95% CI], n=${bench.samples} per cell`;
    this.line(`\nbenchmark on ${target.target.name} (kernel ${target.target.kernelRelease}, ${target.target.accelerator}): ${unit} per access, empty loop subtracted; ${sampling}`);
    const variants = BENCH_VARIANTS.filter((variant) => variant !== 'empty' && bench.cells.some((cell) => cell.variant === variant));
    const ratioNames = [...new Set(bench.ratios.map((ratio) => `${ratio.numerator}/${ratio.denominator}`))];
    const rows: string[][] = [['size', ...variants, 'empty loop', ...ratioNames]];
    for (const size of bench.sizes) {
      const cellText = variants.map((variant) => {
        const cell = bench.cells.find((entry) => entry.size === size && entry.variant === variant);
        return cell?.perAccess ? `${medianWithCi(cell.perAccess)}${cellSamplingText(cell)}` : '-';
      });
      const empty = bench.calibration.find((entry) => entry.size === size);
      const ratioText = ratioNames.map((name) => {
        const ratio = bench.ratios.find((entry) => entry.size === size && `${entry.numerator}/${entry.denominator}` === name);
        return ratio ? `${sig(ratio.ratio)}x [${sig(ratio.ciLow)}, ${sig(ratio.ciHigh)}]` : '-';
      });
      rows.push([String(size), ...cellText, empty ? medianWithCi(empty.emptyPerLookup) : '-', ...ratioText]);
    }
    this.line(indent(formatTable(rows, new Set(rows[0]!.map((_, index) => index))), '  '));
    for (const sampled of bench.sampling ?? []) this.line(`  ${samplingLine(sampled, bench.cells)}`);
    for (const rejected of bench.rejected) this.line(`  ${rejected.variant}: not measured, the verifier rejects it here: ${rejected.message}`);
  }

  private progress(text: string): void {
    if (!this.context.live) return;
    this.context.write(`\r\x1b[2K${text}`);
    this.progressShown = true;
  }

  private clearProgress(): void {
    if (!this.progressShown) return;
    this.context.write('\r\x1b[2K');
    this.progressShown = false;
  }

  private line(text: string): void {
    this.context.write(`${text}\n`);
  }
}

/** "integrity ok: 4096/4096 nodes; fast 4400 accesses on 4096 nodes, ..." — what each variant touched, counted by the kernel. */
export function integrityText(integrity: IntegrityResult): string {
  const variants = integrity.variants.map((entry) => `${entry.variant} ${entry.accesses.counted} accesses on ${entry.distinctNodes.counted} nodes${entry.ok ? '' : ' (FAILED)'}`).join(', ');
  return `integrity ${integrity.ok ? 'ok' : 'FAILED'}: ${integrity.nodes.counted}/${integrity.nodes.expected} nodes; ${variants}`;
}
