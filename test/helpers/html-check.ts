// Opens an HTML report in Debian's headless Chromium (driven by playwright-core) with the network cut off, and says
// what is wrong with it: requests it tried, console and page errors, charts that did not draw their marks.
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** undefined when Debian's chromium is installed, else why the browser checks skip. */
export function chromiumSkipReason(): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is not installed (apt-get install chromium; scripts/install-deps installs it)`;
}

export interface ChartCheck {
  id: string;
  /** data-marks: how many mark items the renderer says the data draws. */
  expected: number;
  /** Mark items (path, line, rect, text, ...) inside the SVG's mark groups, axes and legends not counted. */
  found: number;
  width: number;
  height: number;
}

export interface PageCheck {
  requests: string[];
  consoleErrors: string[];
  pageErrors: string[];
  charts: ChartCheck[];
  /** The verdict matrix's body rows and target columns as laid out in the page (undefined: no matrix). */
  matrix?: { rows: number; columns: number };
  /** One line per problem found (empty: the page is fine). */
  problems: string[];
  /** Wall time from launch to the end of the checks (screenshot included). */
  ms: number;
}

/** Loads `html` in headless Chromium with every request aborted and recorded; optionally saves a PNG screenshot. */
export async function checkHtmlPage(html: string, options: { screenshot?: string; fullPage?: boolean; top?: string; sections?: Array<{ selector: string; path: string }> } = {}): Promise<PageCheck> {
  const started = performance.now();
  // --no-sandbox: the tests run as root, where Chromium refuses its sandbox.
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, offline: true });
    const requests: string[] = [];
    const consoleErrors: string[] = [];
    const pageErrors: string[] = [];
    // A self-contained report fetches nothing: every request is a failure, recorded and never served.
    await context.route('**/*', async (route) => {
      requests.push(route.request().url());
      await route.abort();
    });
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.setContent(html, { waitUntil: 'load' });
    const charts = await page.$$eval('[data-chart]', (figures) =>
      figures.map((figure) => {
        const svg = figure.querySelector('svg');
        const box = svg?.getBoundingClientRect();
        // Vega puts each mark's items in a group with the role-mark class; axes and legends have other roles.
        const items = svg ? [...svg.querySelectorAll('g.role-mark')].flatMap((group) => [...group.children].filter((child) => child.tagName !== 'g')) : [];
        return { id: figure.getAttribute('data-chart') ?? '', expected: Number(figure.getAttribute('data-marks')), found: items.length, width: box?.width ?? 0, height: box?.height ?? 0 };
      }),
    );
    const matrix = await page.$$eval('table[data-matrix="verdicts"]', (tables) =>
      tables.length ? { rows: tables[0]!.querySelectorAll('tbody > tr').length, columns: tables[0]!.querySelectorAll('thead th[data-target]').length } : undefined,
    );
    if (options.screenshot) await page.screenshot({ path: options.screenshot, fullPage: options.fullPage ?? true });
    // `top`: what a reader sees first, the 1280×900 viewport.
    if (options.top) await page.screenshot({ path: options.top });
    for (const section of options.sections ?? []) await page.locator(section.selector).screenshot({ path: section.path });
    const problems = [
      ...requests.map((url) => `network request: ${url}`),
      ...consoleErrors.map((text) => `console error: ${text}`),
      ...pageErrors.map((text) => `page error: ${text}`),
      ...charts.flatMap((chart) => chartProblems(chart)),
    ];
    return { requests, consoleErrors, pageErrors, charts, matrix, problems, ms: performance.now() - started };
  } finally {
    await browser.close();
  }
}

function chartProblems(chart: ChartCheck): string[] {
  if (chart.width === 0 || chart.height === 0) return [`chart ${chart.id}: no SVG drawn (size ${chart.width}×${chart.height})`];
  if (!Number.isInteger(chart.expected) || chart.expected <= 0) return [`chart ${chart.id}: data-marks is not a positive count`];
  if (chart.found !== chart.expected) return [`chart ${chart.id}: ${chart.found} marks drawn, ${chart.expected} expected`];
  return [];
}
