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
 * The step colours of a lab session: a name gets its colour the first time a view draws a
 * pipeline holding it and keeps it in every view (the notebook's cells and panel, the graph tab,
 * the folder view), whichever set of steps that view draws; so adding a step never repaints the
 * others. A new name takes its own slot unless a name took it, then the next free one (free in
 * the session while the palette lasts, then free among the pipeline's own steps).
 */
export class StepColors {
  /** Give the steps not yet coloured their colours; the colours of all of them. */
  assign(steps: readonly string[]): Map<string, string> {
    const names = [...new Set(steps)].sort();
    const inPipeline = new Set(names.filter(n => this._slots.has(n)).map(n => this._slots.get(n)!));
    for (const name of names) {
      if (this._slots.has(name)) {
        continue;
      }
      const used = new Set(this._slots.values());
      const taken = used.size < PALETTE.length ? used : inPipeline;
      let s = slot(name);
      for (let i = 0; i < PALETTE.length && taken.has(s); i++) {
        s = (s + 1) % PALETTE.length;
      }
      this._slots.set(name, s);
      inPipeline.add(s);
    }
    return new Map(names.map(n => [n, PALETTE[this._slots.get(n)!]]));
  }

  /** The colour of one step of `steps`. */
  colorIn(steps: readonly string[], step: string): string {
    return this.assign(steps).get(step) ?? colorOf(step);
  }

  private _slots = new Map<string, number>();
}

/** The lab's one palette of step colours, shared by every view. */
export const stepColors = new StepColors();

/** Colours for one pipeline's steps on a fresh palette (distinct while the palette lasts). */
export function assignColors(steps: readonly string[]): Map<string, string> {
  return new StepColors().assign(steps);
}
