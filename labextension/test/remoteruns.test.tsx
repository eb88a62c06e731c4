/**
 * @jest-environment jsdom
 */
import React, { act } from 'react';
import { createRoot } from 'react-dom/client';

import { IRemoteRun } from '../src/api';
import { RemoteRunsList, taskSummary } from '../src/views/remoteruns';

(globalThis as unknown as { IS_REACT_ACT_ENVIRONMENT: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const task = (state: string | null) => ({
  state,
  try_number: 1,
  start_date: null,
  end_date: null,
  hostname: null,
  pid: null
});

const run: IRemoteRun = {
  dag_id: 'example_pipeline',
  run_id: 'manual__2026-12-02T05:00:00+00:00',
  url: 'http://127.0.0.1:8080/dags/example_pipeline/runs/manual__2026-12-02T05:00:00+00:00',
  state: 'running',
  run_type: 'manual',
  queued_at: null,
  start_date: null,
  end_date: null,
  conf: { alpha: 0.5 },
  tasks: { train: task('running'), load: task('success'), report: task(null) }
};

describe('remote runs', () => {
  it('sums a run up and orders its tasks by progress', () => {
    expect(taskSummary(run)).toEqual({
      text: '1/3 tasks succeeded',
      tasks: [
        ['load', 'success'],
        ['train', 'running'],
        ['report', 'none']
      ]
    });
  });

  it("renders each run with its tasks' states and a link to Airflow's UI in a new tab", () => {
    const host = document.createElement('div');
    const root = createRoot(host);
    act(() =>
      root.render(<RemoteRunsList reply={{ airflow_url: 'http://127.0.0.1:8080', runs: [run] }} error={null} />)
    );
    expect(host.querySelector('.nbo-section-title')?.textContent).toBe('Remote runs (Airflow)');
    const item = host.querySelector('.nbo-remote-run') as HTMLElement;
    expect(item.dataset.dag).toBe('example_pipeline');
    expect(item.dataset.state).toBe('running');
    expect(item.textContent).toContain(run.run_id);
    const link = item.querySelector('a.nbo-airflow-link') as HTMLAnchorElement;
    expect(link.getAttribute('href')).toBe(run.url);
    expect(link.getAttribute('target')).toBe('_blank');
    const tasks = [...item.querySelectorAll('[data-task]')].map(li => [
      (li as HTMLElement).dataset.task,
      li.querySelector('.nbo-step-run-status')?.textContent
    ]);
    expect(tasks).toEqual([
      ['load', 'success'],
      ['train', 'running'],
      ['report', 'none']
    ]);
    act(() =>
      root.render(<RemoteRunsList reply={{ airflow_url: 'http://a:8080', runs: [] }} error="Airflow refused" />)
    );
    expect(host.querySelector('[role=alert]')?.textContent).toBe('Airflow refused');
    expect(host.querySelector('.nbo-empty')?.textContent).toContain('http://a:8080');
    act(() => root.unmount());
  });
});
