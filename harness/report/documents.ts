// The whole-run formats of `kptrlab report --format`, one file each, in one map whose keys type the flag:
// each renders the reduced results of its runs at once (the streaming ones, table and tap, are in registry.ts).
import type { RunResults } from '../results/model.js';
import { junitXml } from './junit.js';
import { kcidbJson } from './kcidb.js';
import { markdownSummary } from './markdown.js';

export interface DocumentFormat {
  /** Whether several runs make one document of this format. */
  manyRuns: boolean;
  render: (runs: readonly RunResults[]) => string;
}

export const DOCUMENT_FORMATS = {
  json: { manyRuns: false, render: ([results]) => `${JSON.stringify(results, null, 2)}\n` },
  markdown: { manyRuns: false, render: ([results]) => markdownSummary(results!) },
  junit: { manyRuns: false, render: ([results]) => junitXml(results!) },
  // KCIDB data is merged by concatenation: several runs (shards, nightlies) go in one submission.
  kcidb: { manyRuns: true, render: (runs) => kcidbJson(runs) },
} satisfies Record<string, DocumentFormat>;

export type DocumentFormatName = keyof typeof DOCUMENT_FORMATS;

export function isDocumentFormat(name: string): name is DocumentFormatName {
  return Object.hasOwn(DOCUMENT_FORMATS, name);
}
