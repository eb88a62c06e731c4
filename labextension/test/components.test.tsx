/**
 * @jest-environment jsdom
 */
/** The panel's React components rendered in jsdom: what they show and what a user's action does. */
import React, { act } from 'react';
import { createRoot, Root } from 'react-dom/client';

import { IPipeline, IRun, IStep } from '../src/api';
import { NotebookRuns } from '../src/runs';
import { NotebookSchedules } from '../src/schedules';
import { Graph, graphLayout } from '../src/views/graph';
import { Lanes } from '../src/views/lanesview';
import { Problems } from '../src/views/problems';
import { Trend } from '../src/views/trendplot';
import { ScheduleForm } from '../src/views/scheduleform';
import { CommitField } from '../src/views/settings';

(globalThis as unknown as { IS_REACT_ACT_ENVIRONMENT: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const step = (name: string, after: string[] = [], inputs: string[] = []): IStep =>
  ({
    name,
    after,
    inputs,
    outputs: [`${name}_out`],
    changed: [],
    input_sources: Object.fromEntries(inputs.map(i => [i, after[0]])),
    parameters_read: [],
    notebook: null,
    cells: [0],
    start_cell: 0
  }) as unknown as IStep;

const pipeline = {
  name: 'churn',
  path: 'churn.ipynb',
  notebooks: [],
  steps: [step('load'), step('features', ['load'], ['load_out']), step('train', ['features'], ['features_out'])],
  parameters: [],
  parameters_cell: null,
  problems: []
} as unknown as IPipeline;

let host: HTMLDivElement;
let root: Root;

beforeEach(() => {
  host = document.createElement('div');
  document.body.appendChild(host);
  root = createRoot(host);
});

afterEach(() => {
  act(() => root.unmount());
  host.remove();
});

const draw = (element: JSX.Element) => act(() => root.render(element));
const type = (input: HTMLInputElement | HTMLTextAreaElement, text: string) => {
  // React follows the value through its own setter: set it as the browser would, then tell it
  const setter = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(input), 'value')!.set!;
  act(() => {
    setter.call(input, text);
    input.dispatchEvent(new Event('input', { bubbles: true }));
  });
};

describe('a settings field', () => {
  it('keeps what is typed across redraws and writes it only when committed', () => {
    const commits: string[] = [];
    const field = (value: string) => <CommitField value={value} onCommit={v => commits.push(v)} placeholder="owner" />;
    draw(field('ana'));
    const input = host.querySelector('input') as HTMLInputElement;
    act(() => input.focus());
    type(input, ' data-team ');
    // the model redraws (a re-read pipeline) with another value while the user types
    draw(field('bob'));
    expect(host.querySelector('input')).toBe(input);
    expect(input.value).toBe(' data-team ');
    expect(commits).toEqual([]);
    act(() => {
      input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    });
    expect(commits).toEqual(['data-team']);
    // leaving the field does not write the same text again
    act(() => input.blur());
    expect(commits).toEqual(['data-team']);
    draw(field('data-team'));
    expect(input.value).toBe('data-team');
    // typed and left (no Enter): written on leaving
    act(() => input.focus());
    type(input, 'ops');
    act(() => input.blur());
    expect(commits).toEqual(['data-team', 'ops']);
  });

  it("shows the model's value when the user is not in the field", () => {
    draw(<CommitField value="a" onCommit={() => undefined} />);
    draw(<CommitField value="b" onCommit={() => undefined} />);
    expect((host.querySelector('input') as HTMLInputElement).value).toBe('b');
  });
});

describe('the step lanes', () => {
  it('draws a row per step in run order, an edge per dependency, and selects on click', () => {
    const picked: string[] = [];
    draw(
      <Lanes
        pipeline={pipeline}
        colorOf={() => '#123456'}
        status={{ load: 'succeeded', features: 'running' }}
        problems={new Map([['train', ['no output']]])}
        selected="features"
        onSelect={s => picked.push(s.name)}
      />
    );
    const rows = [...host.querySelectorAll<HTMLElement>('.nbo-lane-row')];
    expect(rows.map(r => r.dataset.step)).toEqual(['load', 'features', 'train']);
    expect(rows[0].className).toContain('nbo-status-succeeded');
    expect(rows[1].className).toContain('nbo-selected');
    expect(rows[2].className).toContain('nbo-has-problem');
    expect(rows[2].title).toContain('⚠ no output');
    expect(host.querySelectorAll('.nbo-lane-edge')).toHaveLength(2);
    act(() => rows[2].click());
    act(() => {
      rows[0].dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    });
    expect(picked).toEqual(['train', 'load']);
  });
});

describe('the graph tab drawing', () => {
  it('places every step and labels each edge with the data it carries', () => {
    const layout = graphLayout(pipeline);
    expect(layout.nodes.size).toBe(3);
    // top to bottom in run order
    expect(layout.nodes.get('load')!.y).toBeLessThan(layout.nodes.get('features')!.y);
    const picked: string[] = [];
    draw(
      <Graph
        pipeline={pipeline}
        layout={layout}
        viewBox="0 0 100 100"
        colorOf={() => 'red'}
        onSelect={s => picked.push(s.name)}
      />
    );
    const svg = host.querySelector('svg.nbo-graph') as SVGSVGElement;
    expect(svg.getAttribute('viewBox')).toBe('0 0 100 100');
    expect([...svg.querySelectorAll('.nbo-graph-edge')].map(e => e.textContent)).toEqual([
      'load_outload → features: load_out',
      'features_outfeatures → train: features_out'
    ]);
    const train = svg.querySelector('.nbo-graph-node[data-step="train"]') as SVGGElement;
    expect(train.querySelector('.nbo-graph-io')?.textContent).toBe('in: features_out');
    act(() => {
      train.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    });
    expect(picked).toEqual(['train']);
  });
});

describe('the problems list', () => {
  it('orders errors first and folds legacy tags into one line with the retag action', () => {
    let retagged = 0;
    const problem = (severity: 'error' | 'warning' | 'info', code: string, cell: number | null) => ({
      severity,
      code,
      message: `${severity} ${code}`,
      step: null,
      cell,
      hint: null
    });
    draw(
      <Problems
        problems={[problem('warning', 'w', 1), problem('error', 'e', 4), problem('info', 'legacy-tag', 2)]}
        cellOf={p => p.cell}
        onSelect={() => undefined}
        onRetag={() => retagged++}
      />
    );
    expect(host.querySelector('.nbo-section-title')?.textContent).toBe('Problems: 1 error, 1 warning, 1 notice');
    expect([...host.querySelectorAll<HTMLElement>('.nbo-problem')].map(li => li.dataset.code)).toEqual([
      'e',
      'w',
      'legacy-tag'
    ]);
    expect(host.querySelector('.nbo-problem-where')?.textContent).toBe('cell 5 · e');
    act(() => (host.querySelector('.nbo-retag-kale') as HTMLButtonElement).click());
    expect(retagged).toBe(1);
  });
});

describe('the metric trend', () => {
  it("plots the metric over the recent runs, this one last, with the target's line", () => {
    const runs = new NotebookRuns(() => 'churn.ipynb');
    const run = (id: string, accuracy: number) => ({ run_id: id, metrics: { accuracy } }) as unknown as IRun;
    (runs as unknown as { _recent: IRun[] })._recent = [run('3', 0.7), run('2', 0.9), run('1', 0.8)];
    draw(<Trend runs={runs} run={run('4', 0.85)} metric="accuracy" bound={0.8} />);
    const svg = host.querySelector('svg.nbo-trend') as SVGSVGElement;
    expect(svg.getAttribute('aria-label')).toBe('accuracy over the last 4 runs');
    expect([...svg.querySelectorAll('circle title')].map(t => t.textContent)).toEqual([
      'accuracy = 0.8',
      'accuracy = 0.9',
      'accuracy = 0.7',
      'accuracy = 0.85'
    ]);
    expect(svg.querySelector('line.nbo-trend-target')).not.toBeNull();
    runs.dispose();
  });
});

describe('the schedule form', () => {
  it('describes the cron as it is typed, and asks for a topic when fired by messages', () => {
    const schedules = new NotebookSchedules(() => 'churn.ipynb');
    draw(<ScheduleForm schedules={schedules} pipeline={pipeline} />);
    const add = host.querySelector('.nbo-add-schedule') as HTMLButtonElement;
    expect(add.disabled).toBe(true);
    type(host.querySelector('input.nbo-cron') as HTMLInputElement, '0 6 * * 1');
    expect(host.querySelector('.nbo-cron-text')?.textContent).toContain('Monday');
    expect(add.disabled).toBe(false);
    const kind = host.querySelector('select.nbo-schedule-kind') as HTMLSelectElement;
    act(() => {
      kind.value = 'trigger';
      kind.dispatchEvent(new Event('change', { bubbles: true }));
    });
    expect(host.querySelector('input.nbo-cron')).toBeNull();
    expect(host.querySelector('select.nbo-schedule-tz')).toBeNull();
    expect(host.querySelector('.nbo-cron-text')?.className).toContain('nbo-cron-invalid');
    type(host.querySelector('input.nbo-topic') as HTMLInputElement, 'pulsar://broker:6650/new-data');
    expect(add.disabled).toBe(false);
    // back to the clock: what was typed there is still there
    act(() => {
      kind.value = 'cron';
      kind.dispatchEvent(new Event('change', { bubbles: true }));
    });
    expect((host.querySelector('input.nbo-cron') as HTMLInputElement).value).toBe('0 6 * * 1');
    schedules.dispose();
  });
});
