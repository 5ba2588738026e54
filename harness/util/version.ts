// Dotted version comparison (1.8.0 vs 1.5) for minimum-version checks.

/** Negative, 0 or positive as dotted version `a` (e.g. "1.8.0", "v1.8") is below, equal to or above `b`; missing parts count as 0. */
export function compareVersions(a: string, b: string): number {
  const parse = (text: string) => text.replace(/^v/, '').split('.').map((part) => Number.parseInt(part, 10));
  const left = parse(a);
  const right = parse(b);
  if (left.some(Number.isNaN) || right.some(Number.isNaN)) throw new TypeError(`cannot compare versions "${a}" and "${b}"`);
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const difference = (left[i] ?? 0) - (right[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** True when `version` is at least `minimum` (e.g. "1.5"). */
export function versionAtLeast(version: string, minimum: string): boolean {
  return compareVersions(version, minimum) >= 0;
}

/** The oldest libbpf the binding may link: older ones load .data.* sections differently from what users run. */
export const MIN_LIBBPF = '1.5';
