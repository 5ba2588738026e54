// kptrlab's veristat-style pass against the tree's own veristat on this kernel: the same objects give the same
// verdicts, instructions and states per program, and veristat -C reads kptrlab's CSV (and refuses a corrupted one).
import t from 'tap';
import { readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { compileBpf } from '../../harness/bpf/compile.js';
import { vmlinuxHeader } from '../../harness/bpf/vmlinux-header.js';
import type { AgentEvent } from '../../harness/agent/protocol.js';
import { BpfObject } from '../../harness/native/index.js';
import { veristatCsv } from '../../harness/report/veristat-csv.js';
import type { VeristatRow } from '../../harness/results/model.js';
import { runChild } from '../../harness/util/child.js';
import { projectPath } from '../../harness/util/paths.js';
import { bpfSkipReason, compileFixture } from '../helpers/bpf-env.js';
import { scratchDir } from '../helpers/scratch.js';
import { buildTreeVeristat, parseCsv } from '../helpers/veristat.js';

const skip = bpfSkipReason();
if (skip) t.comment(`skipping the veristat comparison: ${skip}`);

t.test("the agent's veristat op matches the tree's veristat program by program", { skip }, async (t) => {
  const dir = scratchDir('kptrlab-veristat-');
  const veristat = await buildTreeVeristat(dir);
  // Fixtures with a rejected program, plus kptrlab's own rbtree/kptr cases that compile against this kernel.
  const objects = [await compileFixture('reject'), await compileFixture('maps')];
  const header = await vmlinuxHeader();
  for (const name of readdirSync(projectPath('programs', 'cases')).filter((file) => file.endsWith('.bpf.c')).sort()) {
    const compiled = await compileBpf({ source: projectPath('programs', 'cases', name), header });
    if (compiled.ok) objects.push(compiled.object);
  }
  t.ok(objects.length >= 5, `${objects.length} objects`);
  const jobs = objects.flatMap((object) => {
    const listing = BpfObject.open(object);
    try {
      return listing.programs().map((program) => ({ id: `${basename(object)}/${program.name}`, object, program: program.name }));
    } finally {
      listing.close();
    }
  });
  const request = join(dir, 'request.json');
  writeFileSync(request, JSON.stringify({ op: 'veristat', jobs }));
  const agent = await runChild('node', [projectPath('dist', 'agent', 'kptrlab-agent.mjs'), request], { stage: 'agent veristat op' });
  const answers = agent.stdout.trim().split('\n').map((line) => JSON.parse(line) as AgentEvent).filter((event) => event.type === 'veristat-result');
  t.equal(answers.length, jobs.length, 'one answer per program');

  const theirs = parseCsv((await runChild(veristat, ['-o', 'csv', ...objects], { stage: 'veristat' })).stdout);
  const rows: VeristatRow[] = [];
  const verdicts = { success: 0, failure: 0 };
  for (const answer of answers) {
    if (answer.type !== 'veristat-result') continue;
    const reference = theirs.get(answer.id);
    t.ok(reference, `veristat has ${answer.id}`);
    if (!reference) continue;
    const verdict = answer.loaded ? 'success' : 'failure';
    verdicts[verdict] += 1;
    t.equal(verdict, reference.verdict, `${answer.id}: verdict`);
    t.equal(String(answer.stats?.insnsProcessed ?? 0), reference.total_insns, `${answer.id}: instructions processed`);
    t.equal(String(answer.stats?.totalStates ?? 0), reference.total_states, `${answer.id}: states`);
    t.equal(String(answer.stats?.peakStates ?? 0), reference.peak_states, `${answer.id}: peak states`);
    t.equal(String(answer.progSize), reference.prog_size, `${answer.id}: program size`);
    const [file, program] = answer.id.split('/');
    rows.push({ file: file!, program: program!, verdict, durationUs: answer.stats?.verificationTimeUs ?? 0, insns: answer.stats?.insnsProcessed ?? 0, states: answer.stats?.totalStates ?? 0, peakStates: answer.stats?.peakStates ?? 0, maxStatesPerInsn: answer.stats?.maxStatesPerInsn ?? 0, markRead: answer.stats?.markRead ?? 0, progSize: answer.progSize });
  }
  t.ok(verdicts.success > 0 && verdicts.failure > 0, `both verdicts are covered (${verdicts.success} accepted, ${verdicts.failure} rejected)`);

  // veristat -C reads kptrlab's CSV against its own: every program matched, verdicts and instructions equal.
  const ours = join(dir, 'kptrlab.csv');
  const reference = join(dir, 'veristat.csv');
  writeFileSync(ours, veristatCsv(rows));
  writeFileSync(reference, (await runChild(veristat, ['-o', 'csv', '-e', 'file,prog,verdict,duration,insns,states,peak_states,max_states_per_insn,mark_read,prog_size', ...objects], { stage: 'veristat' })).stdout);
  const compared = parseCsv((await runChild(veristat, ['-C', '-o', 'csv', '-e', 'file,prog,verdict,insns,states', reference, ours], { stage: 'veristat -C' })).stdout);
  t.equal(compared.size, rows.length, 'veristat -C pairs every program');
  for (const [id, row] of compared) {
    t.equal(row.verdict_diff, 'MATCH', `${id}: verdict matches`);
    t.equal(row.total_insns_diff, '+0 (+0.00%)', `${id}: instructions match`);
  }

  // The failing path: a CSV veristat cannot read is refused, so the comparison above really parsed ours.
  const corrupt = join(dir, 'corrupt.csv');
  writeFileSync(corrupt, veristatCsv(rows).replace(/,success,/, ',passed,'));
  const refused = await runChild(veristat, ['-C', reference, corrupt], { stage: 'veristat -C', allowFailure: true });
  t.not(refused.exitCode, 0, 'veristat refuses a verdict it does not know');
  t.match(refused.stderr, /Unrecognized verification verdict 'passed'/);
});
