/** Step colours. Pure: no DOM. */

export const PALETTE = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#17becf',
  '#bcbd22',
  '#7f7f7f',
  '#393b79',
  '#637939',
  '#8c6d31',
  '#ad494a',
  '#7b4173',
  '#0a9396'
];

/** The palette slot a name prefers (FNV-1a hash). */
function slot(step: string): number {
  let hash = 0x811c9dc5;
  for (const ch of step) {
    hash = Math.imul(hash ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  }
  return hash % PALETTE.length;
}

/** A colour from the step's name alone. */
export function colorOf(step: string): string {
  return PALETTE[slot(step)];
}

/**
 * Colours for a pipeline's steps: each step keeps its name's colour unless an earlier name (in
 * alphabetical order) took it, then the next free one; so steps differ while the palette lasts,
 * and adding a step repaints only the steps whose colour it takes (rarely any).
 */
export function assignColors(steps: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  const taken = new Set<number>();
  for (const name of [...new Set(steps)].sort()) {
    let s = slot(name);
    for (let i = 0; i < PALETTE.length && taken.has(s); i++) {
      s = (s + 1) % PALETTE.length;
    }
    taken.add(s);
    out.set(name, PALETTE[s]);
  }
  return out;
}
