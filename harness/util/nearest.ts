/** Levenshtein distance between two short strings. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/** The candidate closest to `word` when it is plausibly a misspelling, else undefined. */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  // A key written without its unit or suffix ("memory" for "memoryMiB") is a prefix of the right one.
  const lower = word.toLowerCase();
  const extended = candidates.find((candidate) => lower.length >= 3 && candidate.toLowerCase().startsWith(lower));
  if (extended) return extended;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  // Beyond about a third of the word, a suggestion is a guess rather than a correction.
  return bestDistance <= Math.max(2, Math.ceil(word.length / 3)) ? best : undefined;
}
