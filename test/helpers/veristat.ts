// The kernel tree's own veristat, built here from the binding's libbpf source (tools/testing/selftests/bpf/veristat.c
// against the static libbpf of the same tree): the reference kptrlab's veristat-style pass and CSV are checked against.
import { join } from 'node:path';
import { bindingLibbpf, bindingLibbpfSource } from '../../harness/kernel/binding-libbpf.js';
import { resolveSource } from '../../harness/kernel/source.js';
import { runChild } from '../../harness/util/child.js';

/** Builds veristat into `dir`; returns the binary's path. */
export async function buildTreeVeristat(dir: string): Promise<string> {
  const source = await resolveSource(bindingLibbpfSource());
  const libbpf = await bindingLibbpf();
  const binary = join(dir, 'veristat');
  await runChild('cc', ['-O1', '-o', binary, join(source.tree, 'tools', 'testing', 'selftests', 'bpf', 'veristat.c'), '-I', libbpf.include, libbpf.archive, '-lelf', '-lz', '-lm', '-lpthread'], { stage: 'build the tree\'s veristat' });
  return binary;
}

/** veristat's CSV parsed into rows keyed by "<file>/<program>" (its own column names as keys). */
export function parseCsv(text: string): Map<string, Record<string, string>> {
  const [header, ...lines] = text.trim().split('\n');
  const columns = header!.split(',');
  return new Map(lines.map((line) => {
    const values = line.split(',');
    const row = Object.fromEntries(columns.map((column, index) => [column, values[index] ?? '']));
    return [`${row.file_name}/${row.prog_name}`, row];
  }));
}
