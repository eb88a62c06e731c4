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
  '#843c39',
  '#7b4173',
  '#3182bd'
];

/** A colour from the step's name (FNV-1a hash into a 16-colour palette). */
export function colorOf(step: string): string {
  let hash = 0x811c9dc5;
  for (const ch of step) {
    hash = Math.imul(hash ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  }
  return PALETTE[hash % PALETTE.length];
}
