// What the HTML report is drawn from: plain data the caller loads (runs reduced from their event logs, history
// series already queried), so the renderer reads no file and no database.
import type { RunResults } from '../../results/model.js';
import type { Accelerator, BenchVariant, TimeUnit } from '../../results/vocab.js';

/** One run's value of a benchmark cell in the history. */
export interface HistoryPoint {
  runId: string;
  startedAt: string;
  median: number;
  ciLow: number;
  ciHigh: number;
}

/** A change point: the series' level moves at points[index] (relativeChange = (after - before) / before). */
export interface HistoryChange {
  index: number;
  relativeChange: number;
  pValue: number;
  method?: string;
}

/** A like-for-like cell over the stored runs, oldest first, with the change points found in it. */
export interface CellHistory {
  cell: { target: string; machine: string | null; arch: string; accelerator: Accelerator; unit: TimeUnit; size: number; variant: BenchVariant };
  points: HistoryPoint[];
  changes: HistoryChange[];
}

export interface HtmlReportInput {
  /** One or more runs; their targets become the report's columns, in order. */
  runs: RunResults[];
  history?: CellHistory[];
  /** Shown in the page header (the caller's clock, so a test can freeze it). */
  generatedAt?: string;
}
