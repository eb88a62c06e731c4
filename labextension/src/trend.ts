/** A metric over the last runs as a small line plot (geometry only; the view draws it). Pure. */

export interface ITrend {
  /** SVG path of the line through the measured runs, oldest first. */
  path: string;
  points: { x: number; y: number; value: number }[];
  /** y of the target's bound, when it lies in the plotted range. */
  targetY: number | null;
}

/** The number in a target condition such as ">= 0.8". */
export function targetBound(condition: string): number | null {
  const m = /(-?[\d.]+(?:[eE][-+]?\d+)?)\s*$/.exec(condition);
  return m ? Number(m[1]) : null;
}

/** `values`: oldest first, null for a run that did not measure it. */
export function trend(
  values: readonly (number | null)[],
  width: number,
  height: number,
  bound: number | null = null
): ITrend | null {
  const measured = values
    .map((v, i) => ({ i, v }))
    .filter((p): p is { i: number; v: number } => typeof p.v === 'number');
  if (measured.length < 2) {
    return null;
  }
  const all = measured.map(p => p.v).concat(bound === null ? [] : [bound]);
  let lo = Math.min(...all);
  let hi = Math.max(...all);
  if (hi === lo) {
    lo -= 1;
    hi += 1;
  }
  const pad = 3;
  const x = (i: number) => pad + (i * (width - 2 * pad)) / Math.max(values.length - 1, 1);
  const y = (v: number) => pad + ((hi - v) * (height - 2 * pad)) / (hi - lo);
  const points = measured.map(p => ({ x: +x(p.i).toFixed(1), y: +y(p.v).toFixed(1), value: p.v }));
  const path = points.map((p, k) => `${k ? 'L' : 'M'}${p.x},${p.y}`).join(' ');
  return { path, points, targetY: bound === null ? null : +y(bound).toFixed(1) };
}
