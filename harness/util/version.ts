// Dotted version comparison (1.8.0 vs 1.5) for minimum-version checks.

/** True when `version` (e.g. "1.8.0", "v1.8") is at least `minimum` (e.g. "1.5"); missing parts count as 0. */
export function versionAtLeast(version: string, minimum: string): boolean {
  const parse = (text: string) => text.replace(/^v/, '').split('.').map((part) => Number.parseInt(part, 10));
  const have = parse(version);
  const want = parse(minimum);
  if (have.some(Number.isNaN) || want.some(Number.isNaN)) throw new TypeError(`cannot compare versions "${version}" and "${minimum}"`);
  for (let i = 0; i < Math.max(have.length, want.length); i++) {
    const a = have[i] ?? 0;
    const b = want[i] ?? 0;
    if (a !== b) return a > b;
  }
  return true;
}

/** The oldest libbpf the binding may link: older ones load .data.* sections differently from what users run. */
export const MIN_LIBBPF = '1.5';
