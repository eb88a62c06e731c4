/**
 * The step graph in the sidebar: one row per step in run order with the data-flow edges drawn
 * down lanes on the left (lanes.ts). Full-size text at any panel width and any number of steps;
 * the wide drawing with inputs and outputs opens as a main-area tab (graphtab.tsx).
 */
import React from 'react';

import { IPipeline, IStep } from '../api';
import { outputLabels } from '../format';
import { laneLayout } from '../lanes';
import { notebookFiles, notebookLabel, otherNotebook } from '../notebooks';
import { IStepStaleness, staleTip } from '../stale';
import { onActivate } from './section';

export const ROW_H = 26;
const LANE_W = 14;

export interface ILanesProps {
  pipeline: IPipeline;
  colorOf: (step: string) => string;
  /** Step name -> status of the run shown (pending, running, succeeded, failed, cached...). */
  status?: Record<string, string>;
  /** Step name -> its problems' messages (errors and warnings). */
  problems?: Map<string, string[]>;
  /** Step name -> its verdict, for the steps a run now would run (stale.ts). */
  stale?: Map<string, IStepStaleness>;
  selected?: string | null;
  onSelect?: (step: IStep) => void;
}

const x = (lane: number) => 8 + lane * LANE_W;
const y = (row: number) => row * ROW_H + ROW_H / 2;

/** A step's run status as a row shows it: a failed one with a mark that needs no colour. */
export function statusLabel(status: string): string {
  return status === 'failed' ? '✗ failed' : status;
}

/** A step's tooltip: where it runs, what it takes and gives, and its problems. */
export function stepTip(pipeline: IPipeline, step: IStep, problems: readonly string[]): string {
  const other = otherNotebook(pipeline, step);
  return (
    (other ? `${other} (click opens it)\n` : '') +
    `${step.name}\nafter: ${step.after.join(', ') || '–'}\ninputs: ${step.inputs.join(', ') || '–'}` +
    `\noutputs: ${outputLabels(step).join(', ') || '–'}\nparameters: ${step.parameters_read.join(', ') || '–'}` +
    (problems.length ? `\n\n⚠ ${problems.join('\n⚠ ')}` : '')
  );
}

export function Lanes(props: ILanesProps): JSX.Element {
  const { pipeline, colorOf } = props;
  const layout = laneLayout(pipeline.steps);
  const byName = new Map(pipeline.steps.map(s => [s.name, s]));
  const gutter = x(layout.lanes - 1) + 10;
  const height = layout.nodes.length * ROW_H;
  return (
    <div className="nbo-lanes" role="list" aria-label={`Steps of ${pipeline.name}`}>
      <svg className="nbo-lanes-svg" width={gutter} height={height} aria-hidden="true">
        {layout.edges.map(e => {
          const y0 = y(e.fromRow);
          const y1 = y(e.toRow);
          const d =
            `M${x(e.fromLane)},${y0} Q${x(e.lane)},${y0} ${x(e.lane)},${y0 + ROW_H / 2} ` +
            `L${x(e.lane)},${y1 - ROW_H / 2} Q${x(e.lane)},${y1} ${x(e.toLane)},${y1}`;
          return (
            <path
              key={`${e.from}->${e.to}`}
              d={d}
              className="nbo-lane-edge"
              data-from={e.from}
              data-to={e.to}
              stroke={colorOf(e.from)}
            />
          );
        })}
        {layout.nodes.map(n => {
          const status = props.status?.[n.name];
          return (
            <circle
              key={n.name}
              cx={x(n.lane)}
              cy={y(n.row)}
              r={5}
              className={`nbo-lane-dot${status ? ' nbo-status-' + status : ''}`}
              fill={colorOf(n.name)}
            />
          );
        })}
      </svg>
      <ul className="nbo-lane-rows" style={{ paddingLeft: `${gutter}px` }}>
        {layout.nodes.map(n => (
          <LaneRow
            key={n.name}
            pipeline={pipeline}
            step={byName.get(n.name)!}
            color={colorOf(n.name)}
            status={props.status?.[n.name]}
            problems={props.problems?.get(n.name) ?? []}
            stale={props.stale?.get(n.name)}
            selected={props.selected === n.name}
            onSelect={props.onSelect}
          />
        ))}
      </ul>
    </div>
  );
}

interface ILaneRowProps {
  pipeline: IPipeline;
  step: IStep;
  color: string;
  status?: string;
  problems: string[];
  stale?: IStepStaleness;
  selected: boolean;
  onSelect?: (step: IStep) => void;
}

/** One step's row: its name in its colour, its notebook, problems, run status and outputs. */
function LaneRow(props: ILaneRowProps): JSX.Element {
  const { step, status, problems, stale } = props;
  const other = otherNotebook(props.pipeline, step);
  const select = () => props.onSelect?.(step);
  const cls = [
    'nbo-graph-node',
    'nbo-lane-row',
    status ? `nbo-status-${status}` : '',
    problems.length ? 'nbo-has-problem' : '',
    stale ? 'nbo-stale' : '',
    props.selected ? 'nbo-selected' : ''
  ].filter(Boolean);
  return (
    <li
      className={cls.join(' ')}
      data-step={step.name}
      title={stepTip(props.pipeline, step, problems) + (stale ? `\n\n${staleTip(stale)}` : '')}
      tabIndex={0}
      role="button"
      onClick={select}
      onKeyDown={onActivate(select, true)}
    >
      <span className="nbo-lane-name" style={{ color: props.color }} title={step.name}>
        {step.name}
      </span>
      {other ? (
        <span className="nbo-lane-notebook" data-notebook={other} title={other}>
          {notebookLabel(other)}
        </span>
      ) : null}
      {problems.length ? (
        <span className="nbo-lane-problem" aria-label={`${problems.length} problems`}>
          {`⚠ ${problems.length}`}
        </span>
      ) : null}
      {stale && !status ? (
        // beside a run's status the row's own mark says it (a narrow sidebar keeps the status)
        <span className="nbo-lane-stale" data-state={stale.state}>
          {stale.state === 'never_run' ? 'never run' : 'stale'}
        </span>
      ) : null}
      {status ? (
        <span className={`nbo-lane-status nbo-status-${status}`} title={`${step.name}: ${status}`}>
          {statusLabel(status)}
        </span>
      ) : null}
      <span className="nbo-lane-io">{step.outputs.length ? `→ ${outputLabels(step).join(', ')}` : ''}</span>
    </li>
  );
}

/** The notebooks of a pipeline across notebooks, entry first; nothing for a single notebook. */
export function NotebooksLine(props: { pipeline: IPipeline }): JSX.Element | null {
  const files = notebookFiles(props.pipeline);
  if (!files.length) {
    return null;
  }
  return (
    <p className="nbo-notebooks" title={`Steps from ${files.length} notebooks; ${files[0]} is this one (the entry)`}>
      {`${files.length} notebooks: `}
      {files.map((f, i) => (
        <span key={f} className={`nbo-notebook${i ? '' : ' nbo-entry'}`} data-notebook={f}>
          {f}
        </span>
      ))}
    </p>
  );
}
