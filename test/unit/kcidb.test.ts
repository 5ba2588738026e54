// KCIDB v5.3 mapping on a hand-built run: ids, paths, statuses and numbers, checked against the schema with ajv;
// the schema check itself must refuse mutated data naming the path. (test/local-bpf/report-formats: real runs.)
import { execa } from 'execa';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { kcidbData, patchsetHash } from '../../harness/report/kcidb.js';
import { kcidbId, logExcerpt, pathNode, testPath } from '../../harness/report/kcidb-fields.js';
import { kcidbErrors } from '../helpers/kcidb.js';
import { mixedRun } from '../helpers/mixed-run.js';
import { scratchDir } from '../helpers/scratch.js';

const statusCounts = (tests: Array<{ status: string }>) => tests.reduce<Record<string, number>>((counts, test) => ({ ...counts, [test.status]: (counts[test.status] ?? 0) + 1 }), {});

t.test('a run with every judged kind is valid KCIDB v5.3, a test per case, selftest and cell', async (t) => {
  const data = kcidbData([mixedRun()]);
  t.same(kcidbErrors(data), []);
  t.same(data.version, { major: 5, minor: 3 });
  t.same(data.builds.map((build) => [build.id, build.architecture, build.config_name, build.status]), [
    ['kptrlab:r1:base', 'x86_64', 'base', 'PASS'],
    ['kptrlab:r1:local', 'x86_64', 'running', 'PASS'],
  ]);
  t.equal(data.checkouts.length, 2, 'two distinct kernel sources');
  t.same(data.builds.map((build) => build.checkout_id), data.checkouts.map((checkout) => checkout.id));
  t.equal(data.tests.length, 19);
  t.same(statusCounts(data.tests), { FAIL: 3, PASS: 4, ERROR: 3, SKIP: 5, DONE: 4 });
  const byPath = new Map(data.tests.filter((test) => test.build_id === 'kptrlab:r1:base').map((test) => [test.path, test]));
  t.match(byPath.get('bpf.verifier.fast_plain'), { status: 'FAIL', comment: /expected the verifier to reject/, log_excerpt: /call bpf_kptr_xchg#194 <R1/ });
  t.match(byPath.get('bpf.verifier.compile.programs_cases_broken_bpf_c'), { status: 'ERROR' });
  t.match(byPath.get('bpf.selftests.rbtree_search_kptr.xchg_nonown'), { status: 'SKIP', comment: 'expected failure: why xchg_nonown', misc: { kptrlabStatus: 'expected-fail' } });
  t.match(byPath.get('bpf.selftests.rbtree_search_kptr.stray'), { status: 'FAIL' });
  t.match(byPath.get('bpf.bench.stock.16'), { status: 'DONE', number: { value: 380, unit: 'icount-ns' } });
  t.notOk(byPath.get('bpf.bench.stock.16')!.number!.prefix, 'icount-ns is not time: no metric prefix');
  t.match(byPath.get('bpf.bench.walk.256'), { status: 'FAIL', log_excerpt: /walk: 599 accesses/ });
  t.match(byPath.get('bpf.bench.fast.16'), { status: 'SKIP', comment: /rejects fast/ });
  t.match(byPath.get('bpf.target.bench.TARGET_DIED'), { status: 'ERROR', log_excerpt: 'Kernel panic - not syncing' });
  t.notOk(byPath.has('bpf.bench.empty.16'), 'the empty loop is no test');
  const local = data.tests.find((test) => test.path === 'bpf.bench.stock.16' && test.build_id === 'kptrlab:r1:local')!;
  t.same(local.number, { value: 21e-9, unit: 's', prefix: 'metric' }, 'real ns as seconds, metric prefix');
  t.match(byPath.get('bpf.verifier.fast_plain')!.environment, { comment: /qemu x86_64, 2 vCPU on h \(c\); accelerator tcg \(\/dev\/kvm does not exist\); times in icount-ns/, misc: { accelerator: 'tcg', timeUnit: 'icount-ns', machine: { hostname: 'h' } } });
  t.ok(data.tests.every((test) => test.start_time === '2026-01-01T00:00:00.000Z'), 'start time from the run-start event');
  t.equal(new Set(data.tests.map((test) => test.id)).size, data.tests.length, 'test ids unique');
});

t.test('a target the harness never ran: its kernel build is ERROR, its error MISS', async (t) => {
  const results = mixedRun();
  const local = results.targets[1]!;
  local.target.kernelRelease = 'unknown';
  local.errors.push({ stage: 'target', code: 'NOT_ROOT', message: 'bpf() needs root' });
  const data = kcidbData([results]);
  t.same(kcidbErrors(data), []);
  t.equal(data.builds[1]!.status, 'ERROR');
  t.match(data.tests.find((test) => test.path === 'bpf.target.target.NOT_ROOT'), { status: 'MISS', comment: 'bpf() needs root [NOT_ROOT]' });
});

t.test('several runs merge into one document with distinct ids', async (t) => {
  const second = mixedRun();
  second.run.id = 'r2';
  const data = kcidbData([mixedRun(), second]);
  t.same(kcidbErrors(data), []);
  t.equal(data.tests.length, 38);
  t.equal(new Set([...data.checkouts, ...data.builds, ...data.tests].map((entry) => entry.id)).size, data.checkouts.length + data.builds.length + data.tests.length);
});

t.test("ids and paths follow the schema's character rules whatever the names hold", async (t) => {
  t.equal(pathNode('rbtree_search_kptr/lookup @unpriv'), 'rbtree_search_kptr_lookup_unpriv');
  t.equal(pathNode('a.b'), 'a_b', 'a dot would start a new node');
  t.equal(pathNode('...'), '_', 'never an empty node');
  t.equal(testPath('selftests', 'f.c', 'x y'), 'bpf.selftests.f_c.x_y');
  t.equal(kcidbId('run\0id', 'tar:get'), 'kptrlab:runid:tar:get');
  const long = `${'x'.repeat(20000)}decisive last line`;
  t.equal(logExcerpt(long).length, 16384, 'within the schema cap');
  t.match(logExcerpt(long), /decisive last line$/, 'the end is kept');
  const results = mixedRun();
  results.targets[0]!.target.name = 'Odd Name/ü';
  results.targets[0]!.target.arch = 'ARM-64';
  results.targets[0]!.cases[0]!.id = 'a.b/c\0d';
  t.same(kcidbErrors(kcidbData([results])), [], 'still valid');
});

t.test("patchset_hash is the schema's sha256sum of the patches' sha256sums, empty without patches, absent for reversed ones", async (t) => {
  const dir = scratchDir('kptrlab-patchset-');
  writeFileSync(join(dir, '0001-a.patch'), 'first\n');
  writeFileSync(join(dir, '0002-b.patch'), 'second\n');
  // The schema's own recipe, "sha256sum *.patch | cut -c-64 | sha256sum | cut -c-64", run with the real tools.
  const sums = await execa('sha256sum', ['0001-a.patch', '0002-b.patch'], { cwd: dir });
  const hashes = sums.stdout.split('\n').map((line) => line.slice(0, 64));
  const expected = (await execa('sha256sum', [], { input: hashes.map((hash) => `${hash}\n`).join('') })).stdout.slice(0, 64);
  t.equal(patchsetHash([{ patch: '0001-a.patch', state: 'applied', sha256: hashes[0] }, { patch: '0002-b.patch', state: 'applied', sha256: hashes[1] }]), expected);
  t.equal(patchsetHash([{ patch: '0001-a.patch', state: 'in-source' }]), '', 'shipped in the source: nothing applied');
  t.equal(patchsetHash([{ patch: '0001-a.patch', state: 'reversed', sha256: hashes[0] }]), undefined, 'a reversed patch is no file of the applied diff');
});

t.test('the schema check refuses mutated data and names the path', async (t) => {
  const data = JSON.parse(JSON.stringify(kcidbData([mixedRun()]))) as ReturnType<typeof kcidbData>;
  data.tests[2]!.status = 'BROKEN' as never;
  delete (data.checkouts[0] as { origin?: string }).origin;
  data.tests[3]!.path = 'bpf/verifier';
  data.builds[0]!.id = 'Kptrlab:r1:base';
  const errors = kcidbErrors(data);
  t.match(errors, [/^\/checkouts\/0: must have required property 'origin'$/]);
  t.ok(errors.includes('/tests/2/status: must be equal to one of the allowed values ["FAIL","ERROR","MISS","PASS","DONE","SKIP"]'), errors.join('\n'));
  t.ok(errors.some((error) => error.startsWith('/tests/3/path: must match pattern')), 'a path with "/"');
  t.ok(errors.some((error) => error.startsWith('/builds/0/id: must match pattern')), 'an id without the lower-case origin');
  t.match(kcidbErrors({ version: { major: 5, minor: 4 } }), [/^\/version\/minor: must be <= 3$/]);
});
