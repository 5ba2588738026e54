// One chart: a Vega-Lite spec compiled to Vega and rendered to SVG by Vega's headless View, at report time.
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { esc } from './escape.js';

export interface ChartSpec {
  /** Unique over the page; the checker finds the chart by it. */
  id: string;
  /** How many mark items (points, rules, lines, ...) the data must draw: the checker counts them in the SVG. */
  marks: number;
  spec: TopLevelSpec;
}

/** The chart's SVG inside a figure carrying data-chart and data-marks. */
export async function renderChart(chart: ChartSpec): Promise<string> {
  const view = new View(parse(compile(chart.spec).spec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    return `<figure class="chart" data-chart="${esc(chart.id)}" data-marks="${chart.marks}">${svg}</figure>`;
  } finally {
    view.finalize();
  }
}

/** Shared look: no chart may fetch a font or anything else at view time. */
export const CHART_CONFIG = {
  font: 'DejaVu Sans, Liberation Sans, Arial, sans-serif',
  axis: { labelFontSize: 11, titleFontSize: 12 },
  header: { labelFontSize: 12, titleFontSize: 12 },
  title: { fontSize: 14, subtitleFontSize: 11, anchor: 'start' },
  legend: { labelFontSize: 11, titleFontSize: 12 },
} as const;
