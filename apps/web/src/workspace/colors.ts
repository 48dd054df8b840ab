/**
 * Run colours in the table and the charts. A selected run takes a colour from a palette of clearly
 * different ones — its own slot (from its id) when free, else the next free one — so the runs on a
 * chart never share a colour while fewer than PALETTE.length are selected. Any other run shows a
 * colour derived from its id alone. Pure (colors.test.ts).
 */

/** Distinct on white, readable as thin lines, and not relying on red/green alone. */
export const PALETTE = [
  "#1f77b4",
  "#ff7f0e",
  "#2ca02c",
  "#d62728",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#17becf",
  "#bcbd22",
  "#393b79",
  "#ad494a",
  "#637939",
] as const;

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

/** The colour for `runId` when it is selected alongside runs already drawn in `used` colours. */
export function pickColor(runId: string, used: ReadonlySet<string>): string {
  const start = hashOf(runId) % PALETTE.length;
  for (let k = 0; k < PALETTE.length; k++) {
    const color = PALETTE[(start + k) % PALETTE.length];
    if (color !== undefined && !used.has(color)) return color;
  }
  return runColor(runId);
}
