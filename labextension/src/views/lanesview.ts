/**
 * The step graph in the sidebar: one row per step in run order with the data-flow edges drawn
 * down lanes on the left (lanes.ts). Full-size text at any panel width and any number of steps;
 * the wide drawing with inputs and outputs opens as a main-area tab (graphtab.ts).
 */
import { IPipeline, IStep } from '../api';
import { outputLabels } from '../format';
import { laneLayout } from '../lanes';
import { notebookFiles, notebookLabel, otherNotebook } from '../notebooks';
import type { ReactElement } from 'react';

import { h } from './react';

export const ROW_H = 26;
const LANE_W = 14;

export interface ILanesOptions {
  colorOf: (step: string) => string;
  /** Step name -> status of the run shown (pending, running, succeeded, failed, cached...). */
  status?: Record<string, string>;
  /** Step name -> its problems' messages (errors and warnings). */
  problems?: Map<string, string[]>;
  selected?: string | null;
  onSelect?: (step: IStep) => void;
}

const x = (lane: number) => 8 + lane * LANE_W;
const y = (row: number) => row * ROW_H + ROW_H / 2;

export function renderLanes(pipeline: IPipeline, options: ILanesOptions): ReactElement {
  const layout = laneLayout(pipeline.steps);
  const byName = new Map(pipeline.steps.map(s => [s.name, s]));
  const gutter = x(layout.lanes - 1) + 10;
  const height = layout.nodes.length * ROW_H;
  const edges = layout.edges.map(e => {
    const y0 = y(e.fromRow);
    const y1 = y(e.toRow);
    const mid0 = y0 + ROW_H / 2;
    const mid1 = y1 - ROW_H / 2;
    const d =
      `M${x(e.fromLane)},${y0} Q${x(e.lane)},${y0} ${x(e.lane)},${mid0} ` +
      `L${x(e.lane)},${mid1} Q${x(e.lane)},${y1} ${x(e.toLane)},${y1}`;
    return h('path', {
      d,
      class: 'nbo-lane-edge',
      'data-from': e.from,
      'data-to': e.to,
      stroke: options.colorOf(e.from)
    });
  });
  const dots = layout.nodes.map(n => {
    const status = options.status?.[n.name];
    return h('circle', {
      cx: x(n.lane),
      cy: y(n.row),
      r: 5,
      class: `nbo-lane-dot${status ? ' nbo-status-' + status : ''}`,
      fill: options.colorOf(n.name)
    });
  });
  const svg = h('svg', { class: 'nbo-lanes-svg', width: gutter, height, 'aria-hidden': 'true' }, edges, dots);
  const rows = layout.nodes.map(n => {
    const step = byName.get(n.name)!;
    const status = options.status?.[n.name];
    const problems = options.problems?.get(n.name) ?? [];
    const select = () => options.onSelect?.(step);
    const other = otherNotebook(pipeline, step);
    const tip =
      (other ? `${other} (click opens it)\n` : '') +
      `${step.name}\nafter: ${step.after.join(', ') || '–'}\ninputs: ${step.inputs.join(', ') || '–'}` +
      `\noutputs: ${outputLabels(step).join(', ') || '–'}\nparameters: ${step.parameters_read.join(', ') || '–'}` +
      (problems.length ? `\n\n⚠ ${problems.join('\n⚠ ')}` : '');
    const cls = [
      'nbo-graph-node',
      'nbo-lane-row',
      status ? `nbo-status-${status}` : '',
      problems.length ? 'nbo-has-problem' : '',
      options.selected === n.name ? 'nbo-selected' : ''
    ].filter(Boolean);
    return h(
      'li',
      {
        class: cls.join(' '),
        'data-step': n.name,
        title: tip,
        tabindex: 0,
        role: 'button',
        onclick: select,
        onkeydown: (e: KeyboardEvent) => (e.key === 'Enter' || e.key === ' ') && select()
      },
      h('span', { class: 'nbo-lane-name', style: `color:${options.colorOf(n.name)}` }, n.name),
      other ? h('span', { class: 'nbo-lane-notebook', 'data-notebook': other }, notebookLabel(other)) : null,
      problems.length
        ? h('span', { class: 'nbo-lane-problem', 'aria-label': `${problems.length} problems` }, `⚠ ${problems.length}`)
        : null,
      status ? h('span', { class: `nbo-lane-status nbo-status-${status}` }, status) : null,
      h('span', { class: 'nbo-lane-io' }, step.outputs.length ? `→ ${outputLabels(step).join(', ')}` : '')
    );
  });
  const list = h('ul', { class: 'nbo-lane-rows', style: `padding-left:${gutter}px` }, rows);
  return h('div', { class: 'nbo-lanes', role: 'list', 'aria-label': `Steps of ${pipeline.name}` }, svg, list);
}

/** The notebooks of a pipeline across notebooks, entry first; null for a single notebook. */
export function notebooksLine(pipeline: IPipeline): ReactElement | null {
  const files = notebookFiles(pipeline);
  if (!files.length) {
    return null;
  }
  return h(
    'p',
    { class: 'nbo-notebooks', title: `Steps from ${files.length} notebooks; ${files[0]} is this one (the entry)` },
    `${files.length} notebooks: `,
    ...files.map((f, i) => h('span', { class: `nbo-notebook${i ? '' : ' nbo-entry'}`, 'data-notebook': f }, f))
  );
}
