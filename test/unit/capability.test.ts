import t from 'tap';
import { deriveCapability, PROBE_PROGRAMS, type ProbeFacts } from '../../harness/suites/capability.js';
import { planVariants } from '../../harness/suites/bench-suite.js';

const allKfuncs = { bpf_rbtree_root: true, bpf_rbtree_left: true, bpf_rbtree_right: true };

function facts(loaded: Partial<Record<keyof typeof PROBE_PROGRAMS, boolean>>, kfuncs: Record<string, boolean> = allKfuncs): ProbeFacts {
  const probes: ProbeFacts['probes'] = {};
  for (const [key, name] of Object.entries(PROBE_PROGRAMS)) probes[name] = { loaded: loaded[key as keyof typeof PROBE_PROGRAMS] ?? false };
  return { kfuncs, probes };
}

t.test('levels follow the probes, not versions', async (t) => {
  const table: Array<[Partial<Record<keyof typeof PROBE_PROGRAMS, boolean>>, string]> = [
    [{ walk: true }, 'base'],
    [{ walk: true, xchgUnderLock: true }, 'lock'],
    [{ walk: true, xchgUnderLock: true, xchgNonOwn: true }, 'nonown'],
    [{ walk: true, xchgUnderLock: true, xchgNonOwn: true, xchgNonOwnRcu: true }, 'full'],
    [{ walk: false, xchgUnderLock: true }, 'nowalk'],
  ];
  for (const [loaded, level] of table) t.equal(deriveCapability(facts(loaded)).level, level, JSON.stringify(loaded));
  t.equal(deriveCapability(facts({ walk: true }, { bpf_rbtree_root: true })).level, 'nowalk', 'missing left/right kfuncs');
});

t.test('inconsistent probes are reported, the level stays conservative', async (t) => {
  const capability = deriveCapability(facts({ walk: true, xchgNonOwn: true }));
  t.equal(capability.level, 'base');
  t.match(capability.anomalies[0], /non-owning node loads but kptr_xchg under a lock does not/);
});

t.test('bench variants are split by what the level can load', async (t) => {
  t.same(planVariants(['fast', 'baseline', 'stock', 'walk'], 'base'), { run: ['stock', 'walk'], reject: ['fast', 'baseline'] });
  t.same(planVariants(['fast', 'baseline', 'stock', 'walk', 'empty'], 'lock'), { run: ['baseline', 'stock', 'walk'], reject: ['fast'] });
  t.same(planVariants(['fast', 'stock'], 'full'), { run: ['fast', 'stock'], reject: [] });
});
