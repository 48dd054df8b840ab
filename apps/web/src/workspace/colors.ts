/**
 * A run's colour in the table and the charts: derived from its id alone, so it stays the same when
 * the table is sorted, filtered or reloaded. Pure (colors.test.ts).
 */

/** FNV-1a, 32 bits: small, and spreads similar ids (`run-1`, `run-2`) apart. */
export function hashOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** `hsl(h s% l%)`: the hue from the hash, saturation and lightness in a readable band. */
export function runColor(runId: string): string {
  const hash = hashOf(runId);
  const hue = hash % 360;
  const saturation = 55 + ((hash >>> 9) % 4) * 10;
  const lightness = 38 + ((hash >>> 13) % 3) * 7;
  return `hsl(${hue} ${saturation}% ${lightness}%)`;
}
