// TAP 14 output: one test point per verifier case, benchmark cell and integrity check; a target's tree
// selftests form one TAP subtest with a point per program, streamed as they arrive.
import type { RunEvent } from '../results/events.js';
import type { RunResults } from '../results/model.js';
import { medianWithCi } from './format.js';
import type { Reporter, ReporterContext } from './reporter.js';

export class TapReporter implements Reporter {
  private count = 0;
  private resultsPath = '';
  // The open "# Subtest: <target> selftests" group, closed by the first point outside it.
  private group: { target: string; count: number; failed: boolean } | undefined;

  constructor(private readonly context: ReporterContext) {}

  onEvent(event: RunEvent, state: RunResults): void {
    if (this.group && !(event.type === 'selftest' && event.target === this.group.target) && event.type !== 'stage') this.closeGroup();
    switch (event.type) {
      case 'run-start':
        this.resultsPath = event.resultsPath;
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
      case 'selftest': {
        const result = event.result;
        const directive = result.status === 'skip' ? ` # SKIP ${result.reason ?? ''}` : result.status === 'expected-fail' || result.status === 'allowed-fail' ? ` # TODO ${result.reason ?? ''}` : '';
        const failed = result.status === 'fail' || result.status === 'unexpected-pass';
        const compared = result.testProgs ? `, test_progs ${result.testProgs.verdict}` : '';
        this.group ??= this.openGroup(event.target);
        this.group.count += 1;
        this.group.failed ||= failed;
        // TAP's idiom for a known failure: "not ok ... # TODO reason", which consumers do not count as failed.
        this.point(!failed && !directive.startsWith(' # TODO'), `${result.id}: expect ${result.expected}, got ${result.actual}${compared}${directive}`, failed ? { reason: result.reason, excerpt: result.excerpt } : undefined, '    ', this.group.count);
        break;
      }
      case 'selftest-compare': {
        const ours = state.targets.find((entry) => entry.target.name === event.target)?.selftests?.tests.find((test) => test.id === event.id)?.status;
        if (!event.testProgs.agrees) this.point(false, `${event.target} selftest ${event.id}: kptrlab and test_progs differ`, { kptrlab: ours, test_progs: `${event.theirsName}:${event.testProgs.verdict}` });
        break;
      }
      case 'compile-error':
        this.point(false, `${event.target} compile ${event.source}`, { error: event.firstError });
        break;
      case 'bench-cell':
        if (event.cell.perAccess) this.point(true, `${event.target} bench ${event.cell.variant} size ${event.cell.size}: ${medianWithCi(event.cell.perAccess)} ${event.cell.unit}/access`);
        break;
      case 'bench-integrity': {
        const integrity = event.integrity;
        const touched = integrity.variants.map((variant) => `${variant.variant} ${variant.distinctNodes.counted}`).join(', ');
        this.point(integrity.ok, `${event.target} bench integrity size ${integrity.size}: distinct nodes touched ${touched}`, integrity.ok ? undefined : { problems: integrity.problems.join('\n') });
        break;
      }
      case 'bench-error':
        this.point(false, `${event.target} bench${event.size === undefined ? '' : ` size ${event.size}`}`, { message: event.message });
        break;
      case 'error':
        this.point(false, `${event.target ?? 'run'} ${event.stage}`, { message: event.message, code: event.code, fix: event.hint, console: event.consoleTail });
        break;
      case 'run-end':
        this.context.write(`1..${this.count}\n# results: ${this.resultsPath}\n`);
        break;
      default:
        break;
    }
  }

  private openGroup(target: string): { target: string; count: number; failed: boolean } {
    this.context.write(`# Subtest: ${target} selftests\n`);
    return { target, count: 0, failed: false };
  }

  private closeGroup(): void {
    const group = this.group!;
    this.group = undefined;
    this.context.write(`    1..${group.count}\n`);
    this.point(!group.failed, `${group.target} selftests (${group.count} subtests)`);
  }

  private point(ok: boolean, description: string, details?: Record<string, unknown>, indent = '', number?: number): void {
    if (number === undefined) this.count += 1;
    this.context.write(`${indent}${ok ? 'ok' : 'not ok'} ${number ?? this.count} - ${description.replace(/#(?! (SKIP|TODO))/g, '\\#')}\n`);
    if (!details) return;
    this.context.write(`${indent}  ---\n`);
    for (const [key, value] of Object.entries(details)) {
      if (value === undefined) continue;
      const text = String(value);
      if (text.includes('\n')) this.context.write(`${indent}  ${key}: |\n${text.split('\n').map((line) => `${indent}    ${line}`).join('\n')}\n`);
      else this.context.write(`${indent}  ${key}: ${JSON.stringify(text)}\n`);
    }
    this.context.write(`${indent}  ...\n`);
  }
}
