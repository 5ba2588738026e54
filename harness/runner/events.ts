// Typed lifecycle events: the runner emits them, only reporters print.
import type { BenchVariant, Capability } from '../suites/capability.js';
import type { CaseResult, CellResult, IntegrityResult, RatioResult, RunResults, SelftestResult } from '../results/model.js';
import type { TargetInfo } from '../targets/target.js';

export type RunEvent =
  | { type: 'run-start'; configFile: string; resultsPath: string; targets: string[] }
  | { type: 'stage'; target: string; stage: string }
  | { type: 'target-start'; target: TargetInfo; libbpf?: string }
  | { type: 'target-ready'; target: TargetInfo }
  | { type: 'capability'; target: string; capability: Capability }
  | { type: 'compile-error'; target: string; source: string; firstError: string }
  | { type: 'case'; target: string; result: CaseResult }
  | { type: 'bench-rejected'; target: string; variant: BenchVariant; message: string }
  | { type: 'bench-progress'; target: string; size: number; done: number; total: number }
  | { type: 'bench-cell'; target: string; cell: CellResult }
  | { type: 'bench-ratio'; target: string; ratio: RatioResult }
  | { type: 'bench-integrity'; target: string; integrity: IntegrityResult }
  | { type: 'selftest'; target: string; result: SelftestResult }
  | { type: 'selftest-compare'; target: string; id: string; ours: string; theirs: string; theirsName: string; agrees: boolean }
  | { type: 'error'; target?: string; stage: string; message: string; code?: string; hint?: string }
  | { type: 'run-end'; results: RunResults; exitCode: number; resultsPath: string };

export type RunEventListener = (event: RunEvent) => void;

/** Fans events out to listeners; a throwing listener is reported once and detached, the run goes on. */
export class EventBus {
  private readonly listeners: RunEventListener[] = [];

  subscribe(listener: RunEventListener): void {
    this.listeners.push(listener);
  }

  emit(event: RunEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        this.listeners.splice(this.listeners.indexOf(listener), 1);
        process.stderr.write(`kptrlab: a reporter failed and was detached: ${(error as Error).message}\n`);
      }
    }
  }
}
