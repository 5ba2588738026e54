// JUnit XML for CI test views: one <testsuite> per target, one <testcase> per verifier case, selftest and benchmark
// cell (classnames <target>.verifier, <target>.selftests.<file>, <target>.bench), counts on every suite and the root.
import type { RunResults, TargetResult } from '../results/model.js';
import { itemCounts, targetItems, type JudgedItem } from './test-items.js';
import { escapeXmlAttribute, escapeXmlText } from './xml-escape.js';

/** The run as a JUnit XML document. */
export function junitXml(results: RunResults): string {
  const suites = results.targets.map((target) => ({ target, items: targetItems(target) }));
  const total = itemCounts(suites.flatMap((suite) => suite.items));
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites ${attributes({ name: `kptrlab ${results.run.id}`, ...total })}>`,
    ...suites.flatMap(({ target, items }) => suiteLines(results, target, items)),
    '</testsuites>',
  ];
  return `${lines.join('\n')}\n`;
}

function suiteLines(results: RunResults, target: TargetResult, items: JudgedItem[]): string[] {
  const info = target.target;
  const properties: Record<string, string | undefined> = {
    kernel: info.kernelRelease, arch: info.arch, kind: info.kind, accelerator: info.accelerator, acceleratorReason: info.acceleratorReason,
    timeUnit: info.timeUnit, level: target.capability?.level, series: target.provenance?.series.declared, kernelSource: target.provenance?.kernel.source,
    libbpf: target.libbpf, runStatus: results.run.status,
  };
  return [
    `  <testsuite ${attributes({ name: info.name, ...itemCounts(items), timestamp: results.run.startedAt, hostname: target.provenance?.machine.hostname ?? results.run.host.hostname })}>`,
    '    <properties>',
    ...Object.entries(properties).filter((entry): entry is [string, string] => entry[1] !== undefined).map(([name, value]) => `      <property ${attributes({ name, value })}/>`),
    '    </properties>',
    ...items.flatMap(caseLines),
    '  </testsuite>',
  ];
}

/** classname and name as CI views group them: per target, then verifier / selftests.<file> / bench / target. */
export function junitNames(item: JudgedItem): { classname: string; name: string } {
  const target = item.target.target.name;
  switch (item.kind) {
    case 'verifier':
      return { classname: `${target}.verifier`, name: item.group === 'compile' ? `compile ${item.name}` : item.name };
    case 'selftest':
      return { classname: `${target}.selftests.${item.group}`, name: item.name };
    case 'bench':
      return { classname: `${target}.bench`, name: item.group === 'error' ? `error ${item.name}` : `${item.group} size ${item.name}` };
    case 'target':
      return { classname: `${target}.target`, name: `${item.group} ${item.name}` };
  }
}

function caseLines(item: JudgedItem): string[] {
  const open = `    <testcase ${attributes(junitNames(item))}`;
  const body: string[] = [];
  const message = item.message ?? item.status;
  if (item.outcome === 'fail') body.push(resultElement('failure', message, item.status, item.detail));
  if (item.outcome === 'error' || item.outcome === 'missed') body.push(resultElement('error', message, item.status, item.detail));
  if (item.outcome === 'skip') body.push(`      <skipped ${attributes({ message })}/>`);
  if (item.output) body.push(`      <system-out>${escapeXmlText(item.output)}</system-out>`);
  return body.length ? [`${open}>`, ...body, '    </testcase>'] : [`${open}/>`];
}

function resultElement(tag: 'failure' | 'error', message: string, type: string, detail: string | undefined): string {
  const head = `      <${tag} ${attributes({ message, type })}`;
  return detail ? `${head}>${escapeXmlText(detail)}</${tag}>` : `${head}/>`;
}

function attributes(values: Record<string, string | number | undefined>): string {
  return Object.entries(values)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([key, value]) => `${key}="${escapeXmlAttribute(String(value))}"`)
    .join(' ');
}
