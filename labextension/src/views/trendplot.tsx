/** A metric over the last runs as a small SVG line plot beside its target (the geometry: trend.ts). */
import React from 'react';

import { IRun } from '../api';
import type { NotebookRuns } from '../runs';
import { ITrend, trend } from '../trend';

export interface ITrendProps {
  runs: NotebookRuns;
  run: IRun;
  metric: string;
  /** The target's number: a line across the plot. */
  bound: number | null;
}

/** The metric over the last runs (oldest first, this one last), with the target's line. */
export function Trend({ runs, run, metric, bound }: ITrendProps): JSX.Element | null {
  const older = runs.recent.filter(r => r.run_id < run.run_id).reverse();
  const shown = [...older.slice(-9), run];
  const values = shown.map(r => (typeof r.metrics?.[metric] === 'number' ? r.metrics[metric] : null));
  const geometry = trend(values, 120, 28, bound);
  if (!geometry) {
    return null;
  }
  return <TrendSvg geometry={geometry} metric={metric} label={`${metric} over the last ${shown.length} runs`} />;
}

/** A trend's line plot, 120 x 28, with the target's line and each value on hover. */
export function TrendSvg(props: { geometry: ITrend; metric: string; label: string }): JSX.Element {
  const { geometry, metric } = props;
  return (
    <svg className="nbo-trend" width="120" height="28" role="img" aria-label={props.label}>
      {geometry.targetY !== null ? (
        <line x1={0} x2={120} y1={geometry.targetY} y2={geometry.targetY} className="nbo-trend-target" />
      ) : null}
      <path d={geometry.path} className="nbo-trend-line" />
      {geometry.points.map((p, i) => (
        <circle key={i} cx={p.x} cy={p.y} r={2} className="nbo-trend-dot">
          <title>{`${metric} = ${+p.value.toFixed(4)}`}</title>
        </circle>
      ))}
    </svg>
  );
}
