// Which tree selftests a series gets by default: the suite's touches: rules matched against the files the series
// changes (kselftests/suite.yaml), plus every progs/*.c file the series changes itself.
import { globMatch, type SuiteManifest } from '../selftests/manifest.js';
import { SELFTESTS_DIR } from '../selftests/tree.js';

export interface SelftestChoice {
  /** progs/ file globs to run (empty: no changed file has selftests here). */
  files: string[];
  /** Why each file glob was picked: the changed path and the rule's line (or "changed by the series"). */
  because: Array<{ path: string; files: string[]; rule: string }>;
  /** Changed paths no rule names: the tree's selftests chosen here do not cover them. */
  uncovered: string[];
}

export function chooseSelftests(manifest: SuiteManifest, changedPaths: readonly string[]): SelftestChoice {
  const files = new Set<string>();
  const because: SelftestChoice['because'] = [];
  const uncovered: string[] = [];
  for (const path of [...new Set(changedPaths)].sort()) {
    const own = new RegExp(`^${SELFTESTS_DIR}/progs/([^/]+\\.c)$`).exec(path)?.[1];
    const rules = manifest.touches.filter((rule) => rule.paths.some((glob) => globMatch(glob, path)));
    if (own) {
      files.add(own);
      because.push({ path, files: [own], rule: 'changed by the series' });
    }
    for (const rule of rules) {
      rule.files.forEach((file) => files.add(file));
      because.push({ path, files: rule.files, rule: `${manifest.file} line ${rule.line}` });
    }
    if (!own && !rules.length) uncovered.push(path);
  }
  return { files: [...files], because, uncovered };
}
