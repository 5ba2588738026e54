// TAP 14 output: one test point per verifier case, benchmark cell and integrity check.
import type { RunEvent } from '../runner/events.js';
import { medianWithCi } from './format.js';
import type { Reporter, ReporterContext } from './reporter.js';

export class TapReporter implements Reporter {
  private count = 0;

  constructor(private readonly context: ReporterContext) {}

  onEvent(event: RunEvent): void {
    switch (event.type) {
      case 'run-start':
        this.context.write('TAP version 14\n');
        break;
      case 'capability':
        this.context.write(`# ${event.target}: kernel capability level ${event.capability.level}\n`);
        break;
      case 'bench-rejected':
        this.context.write(`# ${event.target}: bench ${event.variant} not measured, rejected by the verifier: ${event.message}\n`);
        break;
      case 'case': {
        const result = event.result;
        const directive = result.status === 'skip' ? ` # SKIP ${result.reason ?? ''}` : '';
        const details = result.status === 'fail' || result.status === 'error' ? { reason: result.reason, excerpt: result.excerpt } : undefined;
        this.point(result.status !== 'fail' && result.status !== 'error', `${event.target} verify ${result.id}: expect ${result.expected}, got ${result.actual}${directive}`, details);
        break;
      }
      case 'compile-error':
        this.point(false, `${event.target} compile ${event.source}`, { error: event.firstError });
        break;
      case 'bench-cell':
        if (event.cell.perAccess) this.point(true, `${event.target} bench ${event.cell.variant} size ${event.cell.size}: ${medianWithCi(event.cell.perAccess)} ${event.cell.unit}/access`);
        break;
      case 'bench-integrity':
        this.point(event.integrity.ok, `${event.target} bench integrity size ${event.integrity.size}`, event.integrity.ok ? undefined : { ...event.integrity });
        break;
      case 'error':
        this.point(false, `${event.target ?? 'run'} ${event.stage}`, { message: event.message, code: event.code, fix: event.hint });
        break;
      case 'run-end':
        this.context.write(`1..${this.count}\n# results: ${event.resultsPath}\n`);
        break;
      default:
        break;
    }
  }

  private point(ok: boolean, description: string, details?: Record<string, unknown>): void {
    this.count += 1;
    this.context.write(`${ok ? 'ok' : 'not ok'} ${this.count} - ${description.replace(/#(?! SKIP)/g, '\\#')}\n`);
    if (!details) return;
    this.context.write('  ---\n');
    for (const [key, value] of Object.entries(details)) {
      if (value === undefined) continue;
      const text = String(value);
      if (text.includes('\n')) this.context.write(`  ${key}: |\n${text.split('\n').map((line) => `    ${line}`).join('\n')}\n`);
      else this.context.write(`  ${key}: ${JSON.stringify(text)}\n`);
    }
    this.context.write('  ...\n');
  }
}
