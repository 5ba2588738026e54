// The HTML report: one self-contained page for one or more runs (and optionally their history), drawn from plain data.
import { benchSection } from './bench-section.js';
import { changesSection } from './changes.js';
import { columnsOf } from './columns.js';
import { historySection } from './history-section.js';
import type { HtmlReportInput } from './input.js';
import { page } from './page.js';
import { provenanceSection } from './provenance-section.js';
import { selftestsSection } from './selftests-section.js';
import { verdictMatrixSection } from './verdict-matrix.js';

export type { CellHistory, HistoryChange, HistoryPoint, HtmlReportInput } from './input.js';

/** The page as one HTML string: what changed first, then verdicts, benchmarks, selftests, history and provenance. */
export async function renderHtmlReport(input: HtmlReportInput): Promise<string> {
  if (input.runs.length === 0) throw new RangeError('renderHtmlReport needs at least one run');
  const columns = columnsOf(input.runs);
  const ids = input.runs.map((run) => run.run.id);
  const title = `kptrlab report: ${ids.join(', ')}`;
  const configs = [...new Set(input.runs.map((run) => run.run.configFile))].join(', ');
  const subtitle = `${configs} · ${columns.length} target${columns.length === 1 ? '' : 's'} · kptrlab ${input.runs[0]!.run.kptrlab.commit.slice(0, 12)}${input.generatedAt ? ` · generated ${input.generatedAt}` : ''}`;
  const sections = [
    changesSection(columns, input.history),
    verdictMatrixSection(columns),
    await benchSection(columns),
    selftestsSection(columns),
    await historySection(input.history),
    provenanceSection(columns),
  ];
  return page(title, subtitle, sections);
}
