// Reporter names typed from one map: the --reporter flag accepts exactly these keys.
import type { Reporter, ReporterContext } from './reporter.js';
import { TableReporter } from './table.js';
import { TapReporter } from './tap.js';

export const REPORTERS = {
  table: (context: ReporterContext) => new TableReporter(context),
  tap: (context: ReporterContext) => new TapReporter(context),
} satisfies Record<string, (context: ReporterContext) => Reporter>;

export type ReporterName = keyof typeof REPORTERS;

export function isReporterName(name: string): name is ReporterName {
  return Object.hasOwn(REPORTERS, name);
}

/** Context for stdout: live redraws only on a terminal and when KPTRLAB_NO_UI is unset. */
export function stdoutContext(): ReporterContext {
  return {
    write: (text) => process.stdout.write(text),
    live: Boolean(process.stdout.isTTY) && !process.env.KPTRLAB_NO_UI,
  };
}
