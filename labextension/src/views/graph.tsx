/**
 * The step graph: laid out by dagre (pure data), drawn as SVG elements. Each node shows the
 * step's inputs and outputs; each edge is labelled with the data that flows along it. Clicking a
 * node selects its first cell.
 */
import dagre from '@dagrejs/dagre';
import React from 'react';

import { IPipeline, IStep } from '../api';
import { outputLabels } from '../format';
import { isMulti, notebookLabel, otherNotebook } from '../notebooks';
import { IStepStaleness, staleTip } from '../stale';
import { statusLabel, stepTip } from './lanesview';
import { onActivate } from './section';

const NODE_W = 160;
const SINGLE_H = 58;
const MULTI_H = 72; // a fourth line: the step's notebook

function shorten(names: readonly string[], max = 24): string {
  const text = names.join(', ');
  return text.length > max ? text.slice(0, max - 1) + '…' : text || '–';
}

/** Names flowing from `source` into `target`. */
function edgeData(source: string, target: IStep): string[] {
  return Object.entries(target.input_sources)
    .filter(([, from]) => from === source)
    .map(([name]) => name);
}

interface IPlacedEdge {
  from: string;
  to: string;
  d: string;
  label: string;
  x: number;
  y: number;
  /** The data it carries, for its tooltip. */
  data: string[];
}

/** Where dagre puts each step and edge; the drawing's size. */
export interface IGraphLayout {
  width: number;
  height: number;
  nodeHeight: number;
  /** Step name -> its box's top left corner. */
  nodes: Map<string, { x: number; y: number }>;
  edges: IPlacedEdge[];
}

export function graphLayout(pipeline: IPipeline): IGraphLayout {
  const nodeHeight = isMulti(pipeline) ? MULTI_H : SINGLE_H;
  const g = new dagre.graphlib.Graph({ multigraph: false });
  g.setGraph({ rankdir: 'TB', nodesep: 24, ranksep: 40, marginx: 8, marginy: 8 });
  g.setDefaultEdgeLabel(() => ({}));
  const known = new Set(pipeline.steps.map(s => s.name));
  for (const step of pipeline.steps) {
    g.setNode(step.name, { width: NODE_W, height: nodeHeight });
  }
  for (const step of pipeline.steps) {
    for (const up of step.after) {
      if (known.has(up)) {
        const data = edgeData(up, step);
        const label = shorten(data, 20);
        g.setEdge(up, step.name, {
          label: data.length ? label : '',
          width: data.length ? label.length * 6 + 6 : 0,
          height: data.length ? 14 : 0,
          labelpos: 'c'
        });
      }
    }
  }
  dagre.layout(g);
  const size = g.graph();
  const nodes = new Map<string, { x: number; y: number }>();
  for (const step of pipeline.steps) {
    const node = g.node(step.name);
    nodes.set(step.name, { x: node.x - NODE_W / 2, y: node.y - nodeHeight / 2 });
  }
  const edges = g.edges().map(e => {
    const edge = g.edge(e);
    const points: { x: number; y: number }[] = edge.points ?? [];
    return {
      from: e.v,
      to: e.w,
      d: points.map((p, i) => `${i ? 'L' : 'M'}${p.x},${p.y}`).join(' '),
      label: String(edge.label ?? ''),
      x: edge.x,
      y: edge.y,
      data: edgeData(
        e.v,
        pipeline.steps.find(s => s.name === e.w)!
      )
    };
  });
  return {
    width: Math.max(size.width ?? NODE_W, NODE_W),
    height: Math.max(size.height ?? nodeHeight, nodeHeight),
    nodeHeight,
    nodes,
    edges
  };
}

export interface IGraphProps {
  pipeline: IPipeline;
  layout: IGraphLayout;
  /** The part of the drawing shown (zoom and pan), as an SVG viewBox. */
  viewBox: string;
  colorOf: (step: string) => string;
  /** Step name -> status (pending, running, done, failed, cached, skipped), when a run is shown. */
  status?: Record<string, string>;
  /** Step name -> its problems' messages: the node is marked. */
  problems?: Map<string, string[]>;
  /** Step name -> its verdict, for the steps a run now would run (stale.ts): the node is marked. */
  stale?: Map<string, IStepStaleness>;
  onSelect?: (step: IStep) => void;
  /** The canvas (views/canvas.tsx): what is selected, edges to select, handles to draw edges from. */
  canvas?: IGraphCanvas;
}

export interface IGraphCanvas {
  selectedStep: string | null;
  selectedEdge: [string, string] | null;
  onSelectEdge: (from: string, to: string) => void;
  /** A pointer went down on a step's handle: the view follows it to the step it is released on. */
  onHandleDown: (step: string, event: React.PointerEvent) => void;
  /** The edge being drawn, in the drawing's coordinates. */
  draft: { x1: number; y1: number; x2: number; y2: number } | null;
  /** Every step names its notebook (a canvas has no entry notebook to leave unnamed). */
  allNotebooks?: boolean;
}

export function Graph(props: IGraphProps): JSX.Element {
  const { pipeline, layout } = props;
  return (
    <svg
      className="nbo-graph"
      viewBox={props.viewBox}
      preserveAspectRatio="xMidYMid meet"
      role="img"
      aria-label={`Step graph of ${pipeline.name}`}
    >
      <defs>
        <marker id="nbo-arrow" viewBox="0 0 10 10" refX={9} refY={5} markerWidth={7} markerHeight={7} orient="auto">
          <path d="M0,0 L10,5 L0,10 z" className="nbo-graph-arrow" />
        </marker>
      </defs>
      {layout.edges.map(e => (
        <g
          key={`${e.from}->${e.to}`}
          className={`nbo-graph-edge${isSelectedEdge(props.canvas, e) ? ' nbo-selected' : ''}`}
          data-from={e.from}
          data-to={e.to}
          onClick={props.canvas ? () => props.canvas!.onSelectEdge(e.from, e.to) : undefined}
        >
          {props.canvas ? <path d={e.d} className="nbo-graph-edge-hit" /> : null}
          <path d={e.d} markerEnd="url(#nbo-arrow)" />
          {e.label ? (
            <>
              <text x={e.x} y={e.y + 4} textAnchor="middle">
                {e.label}
              </text>
              <title>{`${e.from} → ${e.to}: ${e.data.join(', ')}`}</title>
            </>
          ) : null}
        </g>
      ))}
      {pipeline.steps.map(step => (
        <GraphNode
          key={step.name}
          pipeline={pipeline}
          step={step}
          at={layout.nodes.get(step.name)!}
          height={layout.nodeHeight}
          color={props.colorOf(step.name)}
          status={props.status?.[step.name]}
          problems={props.problems?.get(step.name) ?? []}
          stale={props.stale?.get(step.name)}
          onSelect={props.onSelect}
          selected={props.canvas?.selectedStep === step.name}
          allNotebooks={props.canvas?.allNotebooks}
          onHandleDown={props.canvas?.onHandleDown}
        />
      ))}
      {props.canvas?.draft ? (
        <line className="nbo-graph-draft" {...props.canvas.draft} markerEnd="url(#nbo-arrow)" />
      ) : null}
    </svg>
  );
}

interface IGraphNodeProps {
  pipeline: IPipeline;
  step: IStep;
  at: { x: number; y: number };
  height: number;
  color: string;
  status?: string;
  problems: string[];
  stale?: IStepStaleness;
  onSelect?: (step: IStep) => void;
  selected?: boolean;
  onHandleDown?: (step: string, event: React.PointerEvent) => void;
  allNotebooks?: boolean;
}

function isSelectedEdge(canvas: IGraphCanvas | undefined, e: { from: string; to: string }): boolean {
  return !!canvas?.selectedEdge && canvas.selectedEdge[0] === e.from && canvas.selectedEdge[1] === e.to;
}

function GraphNode(props: IGraphNodeProps): JSX.Element {
  const { pipeline, step, at, height, color, status, problems, stale, onSelect, selected, onHandleDown } = props;
  const other = props.allNotebooks && isMulti(pipeline) ? step.notebook : otherNotebook(pipeline, step);
  const select = onSelect ? () => onSelect(step) : undefined;
  return (
    <g
      className={
        `nbo-graph-node${status ? ' nbo-status-' + status : ''}${problems.length ? ' nbo-has-problem' : ''}` +
        `${selected ? ' nbo-selected' : ''}${stale ? ' nbo-stale' : ''}`
      }
      data-step={step.name}
      transform={`translate(${at.x},${at.y})`}
      tabIndex={0}
      onClick={select}
      onKeyDown={select ? onActivate(select, true) : undefined}
    >
      <rect width={NODE_W} height={height} rx={6} className="nbo-graph-box" style={{ stroke: color }} />
      <rect width={6} height={height} rx={3} style={{ fill: color }} />
      <text x={14} y={17} className="nbo-graph-name">
        {(problems.length ? '⚠ ' : '') +
          shorten([step.name], status || stale ? 13 : 22) +
          (status
            ? ` · ${statusLabel(status)}`
            : stale
              ? ` · ${stale.state === 'never_run' ? 'never run' : 'stale'}`
              : '')}
      </text>
      <text x={14} y={34} className="nbo-graph-io">
        {`in: ${shorten(step.inputs, 22)}`}
      </text>
      <text x={14} y={49} className="nbo-graph-io">
        {`out: ${shorten(outputLabels(step), 22)}`}
      </text>
      {other ? (
        <text x={14} y={64} className="nbo-graph-notebook" data-notebook={other}>
          {`▤ ${shorten([notebookLabel(other)], 22)}`}
        </text>
      ) : null}
      <title>{stepTip(pipeline, step, problems) + (stale ? `\n\n${staleTip(stale)}` : '')}</title>
      {onHandleDown ? (
        <circle
          className="nbo-graph-handle"
          cx={NODE_W / 2}
          cy={height}
          r={6}
          onPointerDown={event => onHandleDown(step.name, event)}
        >
          <title>{`Drag to the step that runs after ${step.name}`}</title>
        </circle>
      ) : null}
    </g>
  );
}
