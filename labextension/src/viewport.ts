/** Zoom and pan of a drawing as an SVG viewBox. Pure: no DOM. */

export interface IViewBox {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** The whole drawing, with a margin. */
export function fit(width: number, height: number, margin = 8): IViewBox {
  return { x: -margin, y: -margin, w: width + 2 * margin, h: height + 2 * margin };
}

/** Zoom by `factor` (>1 magnifies) keeping the point (cx, cy) of the drawing in place. */
export function zoom(box: IViewBox, factor: number, cx = box.x + box.w / 2, cy = box.y + box.h / 2): IViewBox {
  const f = Math.min(Math.max(factor, 0.05), 20);
  const w = box.w / f;
  const h = box.h / f;
  return { x: cx - (cx - box.x) / f, y: cy - (cy - box.y) / f, w, h };
}

/** Move by (dx, dy) screen pixels on a view `pixelWidth` wide. */
export function pan(box: IViewBox, dx: number, dy: number, pixelWidth: number, pixelHeight: number): IViewBox {
  const scale = Math.max(box.w / Math.max(pixelWidth, 1), box.h / Math.max(pixelHeight, 1));
  return { ...box, x: box.x - dx * scale, y: box.y - dy * scale };
}

export function asAttribute(box: IViewBox): string {
  return [box.x, box.y, box.w, box.h].map(v => +v.toFixed(2)).join(' ');
}

/** The smallest scale Fit uses: the graph's 10 px labels stay at 8.5 px or more on screen. */
export const MIN_FIT_SCALE = 0.85;

/**
 * Fit the drawing into a view of `pixelWidth` × `pixelHeight`, but never shrink it below
 * `minScale` (text would be unreadable): a drawing too big for that shows its top centre (its
 * top left when wider than the view) at the smallest readable scale, and the user pans.
 */
export function fitReadable(
  width: number,
  height: number,
  pixelWidth: number,
  pixelHeight: number,
  minScale = MIN_FIT_SCALE,
  margin = 8
): IViewBox {
  const whole = fit(width, height, margin);
  if (pixelWidth <= 0 || pixelHeight <= 0) {
    return whole;
  }
  const scale = Math.min(pixelWidth / whole.w, pixelHeight / whole.h);
  if (scale >= minScale) {
    return whole;
  }
  const w = pixelWidth / minScale;
  const h = pixelHeight / minScale;
  const x = w >= whole.w ? whole.x - (w - whole.w) / 2 : whole.x;
  return { x, y: whole.y, w, h };
}

/** The scale a viewBox is drawn at in a view of that size (preserveAspectRatio "meet"). */
export function scaleOf(box: IViewBox, pixelWidth: number, pixelHeight: number): number {
  return Math.min(pixelWidth / box.w, pixelHeight / box.h);
}
