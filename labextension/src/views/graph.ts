/**
 * The step graph: laid out by dagre, drawn as SVG. Each node shows the step's inputs and outputs;
 * each edge is labelled with the data that flows along it. Clicking a node selects its first cell.
 */
import dagre from '@dagrejs/dagre';

import { IPipeline, IStep } from '../api';
import { outputLabels } from '../format';
import { isMulti, notebookLabel, otherNotebook } from '../notebooks';

const SVG = 'http://www.w3.org/2000/svg';
const NODE_W = 160;
const SINGLE_H = 58;
const MULTI_H = 72; // a fourth line: the step's notebook

export interface IGraphOptions {
  colorOf: (step: string) => string;
  /** Step name -> status (pending, running, done, failed, cached, skipped), when a run is shown. */
  status?: Record<string, string>;
  /** Step name -> its problems' messages: the node is marked. */
  problems?: Map<string, string[]>;
  onSelect?: (step: IStep) => void;
}

function el<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number> = {},
  parent?: Element
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) {
    node.setAttribute(key, String(value));
  }
  parent?.appendChild(node);
  return node;
}

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

export function renderGraph(pipeline: IPipeline, options: IGraphOptions): SVGSVGElement {
  const NODE_H = isMulti(pipeline) ? MULTI_H : SINGLE_H;
  const g = new dagre.graphlib.Graph({ multigraph: false });
  g.setGraph({ rankdir: 'TB', nodesep: 24, ranksep: 40, marginx: 8, marginy: 8 });
  g.setDefaultEdgeLabel(() => ({}));
  const known = new Set(pipeline.steps.map(s => s.name));
  for (const step of pipeline.steps) {
    g.setNode(step.name, { width: NODE_W, height: NODE_H });
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
  const width = Math.max(size.width ?? NODE_W, NODE_W);
  const height = Math.max(size.height ?? NODE_H, NODE_H);

  const svg = el('svg', {
    class: 'nbo-graph',
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': `Step graph of ${pipeline.name}`
  });
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String(height));
  const defs = el('defs', {}, svg);
  const marker = el(
    'marker',
    { id: 'nbo-arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto' },
    defs
  );
  el('path', { d: 'M0,0 L10,5 L0,10 z', class: 'nbo-graph-arrow' }, marker);

  for (const e of g.edges()) {
    const edge = g.edge(e);
    const points = edge.points ?? [];
    const d = points.map((p: { x: number; y: number }, i: number) => `${i ? 'L' : 'M'}${p.x},${p.y}`).join(' ');
    const group = el('g', { class: 'nbo-graph-edge', 'data-from': e.v, 'data-to': e.w }, svg);
    el('path', { d, 'marker-end': 'url(#nbo-arrow)' }, group);
    if (edge.label) {
      const text = el('text', { x: edge.x, y: edge.y + 4, 'text-anchor': 'middle' }, group);
      text.textContent = edge.label;
      const title = el('title', {}, group);
      title.textContent = `${e.v} → ${e.w}: ${edgeData(
        e.v,
        pipeline.steps.find(s => s.name === e.w)!
      ).join(', ')}`;
    }
  }

  for (const step of pipeline.steps) {
    const node = g.node(step.name);
    const x = node.x - NODE_W / 2;
    const y = node.y - NODE_H / 2;
    const status = options.status?.[step.name];
    const problems = options.problems?.get(step.name) ?? [];
    const group = el(
      'g',
      {
        class: `nbo-graph-node${status ? ' nbo-status-' + status : ''}${problems.length ? ' nbo-has-problem' : ''}`,
        'data-step': step.name,
        transform: `translate(${x},${y})`,
        tabindex: 0
      },
      svg
    );
    const color = options.colorOf(step.name);
    el('rect', { width: NODE_W, height: NODE_H, rx: 6, class: 'nbo-graph-box', style: `stroke:${color}` }, group);
    el('rect', { width: 6, height: NODE_H, rx: 3, style: `fill:${color}` }, group);
    const name = el('text', { x: 14, y: 17, class: 'nbo-graph-name' }, group);
    name.textContent = (problems.length ? '⚠ ' : '') + step.name + (status ? `  · ${status}` : '');
    const inputs = el('text', { x: 14, y: 34, class: 'nbo-graph-io' }, group);
    inputs.textContent = `in: ${shorten(step.inputs, 22)}`;
    const outputs = el('text', { x: 14, y: 49, class: 'nbo-graph-io' }, group);
    outputs.textContent = `out: ${shorten(outputLabels(step), 22)}`;
    const other = otherNotebook(pipeline, step);
    if (other) {
      const label = el('text', { x: 14, y: 64, class: 'nbo-graph-notebook', 'data-notebook': other }, group);
      label.textContent = `▤ ${shorten([notebookLabel(other)], 22)}`;
    }
    const title = el('title', {}, group);
    title.textContent =
      (other ? `${other} (click opens it)\n` : '') +
      `${step.name}\nafter: ${step.after.join(', ') || '–'}\ninputs: ${step.inputs.join(', ') || '–'}` +
      `\noutputs: ${outputLabels(step).join(', ') || '–'}\nparameters: ${step.parameters_read.join(', ') || '–'}` +
      (problems.length ? `\n\n⚠ ${problems.join('\n⚠ ')}` : '');
    if (options.onSelect) {
      const select = () => options.onSelect!(step);
      group.addEventListener('click', select);
      group.addEventListener('keydown', event => {
        if (event.key === 'Enter' || event.key === ' ') {
          select();
        }
      });
    }
  }
  return svg;
}
