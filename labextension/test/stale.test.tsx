/**
 * @jest-environment jsdom
 */
/** Stale steps: the words the lab shows for the server's verdict, and the marks on the graphs. */
import React, { act } from 'react';
import { createRoot, Root } from 'react-dom/client';

import { IPipeline, IStep } from '../src/api';
import { IStaleness, runStaleLabel, staleLabel, staleSteps, staleTip } from '../src/stale';
import { Graph, graphLayout } from '../src/views/graph';
import { Lanes } from '../src/views/lanesview';

(globalThis as unknown as { IS_REACT_ACT_ENVIRONMENT: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const view: IStaleness = {
  pipeline: 'pipe',
  cache: true,
  stale: ['scale', 'total', 'extra'],
  steps: [
    { step: 'load', state: 'fresh', reasons: [], details: [], upstream: [], run_id: 'r1' },
    {
      step: 'scale',
      state: 'stale',
      reasons: ['code', 'parameters'],
      details: ['code', 'parameter rate'],
      upstream: [],
      run_id: 'r1'
    },
    {
      step: 'total',
      state: 'stale',
      reasons: ['upstream'],
      details: ['upstream scale will run'],
      upstream: ['scale'],
      run_id: 'r1'
    },
    { step: 'extra', state: 'never_run', reasons: [], details: [], upstream: [], run_id: null }
  ]
};

describe('stale words', () => {
  it('keeps only the steps a run would run, with why in a few words', () => {
    const stale = staleSteps(view);
    expect([...stale.keys()]).toEqual(['scale', 'total', 'extra']);
    expect(staleLabel(stale.get('scale')!)).toBe('stale · code, parameters');
    expect(staleLabel(stale.get('total')!)).toBe('stale · upstream');
    expect(staleLabel(stale.get('extra')!)).toBe('never run');
    expect(staleSteps(null).size).toBe(0);
  });

  it('says in the tooltip what changed and which run it is compared with', () => {
    const tip = staleTip(staleSteps(view).get('scale')!);
    expect(tip).toContain('last run r1');
    expect(tip.split('\n')).toEqual(expect.arrayContaining(['· code', '· parameter rate']));
    expect(staleTip(staleSteps(view).get('extra')!)).toContain('has not run yet');
  });

  it('counts the steps Run stale would run', () => {
    expect(runStaleLabel(view)).toBe('Run stale (3)');
    expect(runStaleLabel({ ...view, stale: [] })).toBe('Run stale');
    expect(runStaleLabel(null)).toBe('Run stale');
  });
});

const step = (name: string, after: string[] = []): IStep =>
  ({
    name,
    after,
    inputs: [],
    outputs: [`${name}_out`],
    changed: [],
    input_sources: {},
    parameters_read: [],
    notebook: null,
    cells: [0],
    start_cell: 0
  }) as unknown as IStep;

const pipeline = {
  name: 'pipe',
  path: 'pipe.ipynb',
  notebooks: [],
  steps: [step('load'), step('scale', ['load']), step('total', ['scale']), step('extra', ['total'])],
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

describe('stale marks on the graphs', () => {
  it('marks the stale rows of the lanes, not the fresh ones', () => {
    act(() => root.render(<Lanes pipeline={pipeline} colorOf={() => '#123456'} stale={staleSteps(view)} />));
    const rows = [...host.querySelectorAll<HTMLElement>('.nbo-lane-row')];
    expect(rows.map(r => r.classList.contains('nbo-stale'))).toEqual([false, true, true, true]);
    expect(rows.map(r => r.querySelector('.nbo-lane-stale')?.textContent ?? '')).toEqual([
      '',
      'stale',
      'stale',
      'never run'
    ]);
    expect(rows[1].title).toContain('parameter rate');
  });

  it('marks the stale nodes of the graph tab', () => {
    act(() =>
      root.render(
        <Graph
          pipeline={pipeline}
          layout={graphLayout(pipeline)}
          viewBox="0 0 400 400"
          colorOf={() => '#123456'}
          stale={staleSteps(view)}
        />
      )
    );
    const nodes = [...host.querySelectorAll<SVGGElement>('.nbo-graph-node')];
    expect(nodes.filter(n => n.classList.contains('nbo-stale')).map(n => n.dataset.step)).toEqual([
      'scale',
      'total',
      'extra'
    ]);
    expect(nodes[1].querySelector('.nbo-graph-name')!.textContent).toContain('· stale');
  });
});
