/**
 * The "Remote runs (Airflow)" section: each run of a deployed pipeline with its state, its tasks'
 * states and a link to its page in Airflow's UI. Offered only when the server has an Airflow
 * (features.remote_runs); the browser never calls Airflow itself.
 */
import type { ReactElement } from 'react';

import { IRemoteRun, IRemoteRuns } from '../api';
import { RemoteRuns } from '../remoteruns';
import { IActionView } from './panel';
import { h, section } from './react';

/** Airflow's task states in the order a run moves through them (then any other, by name). */
const ORDER = ['success', 'failed', 'upstream_failed', 'running', 'queued', 'scheduled', 'up_for_retry', 'skipped'];

/** "3/4 tasks succeeded" and the tasks by name with their state ('none': not scheduled yet). */
export function taskSummary(run: IRemoteRun): { text: string; tasks: [string, string][] } {
  const tasks = Object.entries(run.tasks)
    .map(([name, t]): [string, string] => [name, t.state ?? 'none'])
    .sort(([a, sa], [b, sb]) => {
      const [ia, ib] = [ORDER.indexOf(sa), ORDER.indexOf(sb)].map(i => (i < 0 ? ORDER.length : i));
      return ia - ib || a.localeCompare(b);
    });
  const done = tasks.filter(([, s]) => s === 'success').length;
  return { text: `${done}/${tasks.length} tasks succeeded`, tasks };
}

function runItem(run: IRemoteRun): ReactElement {
  const state = run.state ?? 'none';
  const summary = taskSummary(run);
  return h(
    'li',
    { class: 'nbo-remote-run', 'data-dag': run.dag_id, 'data-run': run.run_id, 'data-state': state },
    h(
      'div',
      { class: 'nbo-run-head' },
      h('span', { class: `nbo-status nbo-status-${state}` }, state.replace('_', ' ')),
      ' ',
      h('strong', {}, run.dag_id),
      h('span', { class: 'nbo-help', title: run.run_id }, ` ${run.run_id}`),
      ' ',
      h(
        'a',
        {
          class: 'nbo-link nbo-airflow-link',
          href: run.url,
          target: '_blank',
          rel: 'noopener',
          title: "Open this run in Airflow's UI"
        },
        'Airflow'
      )
    ),
    h('div', { class: 'nbo-help' }, summary.text),
    h(
      'ul',
      { class: 'nbo-remote-tasks' },
      summary.tasks.map(([name, s]) =>
        h(
          'li',
          { class: `nbo-step-run nbo-status-${s}`, 'data-task': name },
          h('span', { class: 'nbo-step-run-name', title: name }, name),
          h('span', { class: 'nbo-step-run-status' }, s.replace('_', ' '))
        )
      )
    )
  );
}

/** The section for a reply (null: not fetched yet) and the last error. */
export function remoteRunsView(reply: IRemoteRuns | null, error: string | null): ReactElement {
  return section(
    'Remote runs (Airflow)',
    'nbo-remote-runs',
    error ? h('div', { class: 'nbo-error', role: 'alert' }, error) : null,
    reply
      ? reply.runs.length
        ? h('ul', { class: 'nbo-remote-run-list' }, reply.runs.map(runItem))
        : h('p', { class: 'nbo-empty' }, `No runs of notebook-ops DAGs in ${reply.airflow_url} yet.`)
      : error
        ? null
        : h('p', { class: 'nbo-empty' }, 'Asking Airflow…')
  );
}

export class RemoteRunsView implements IActionView {
  readonly id = 'remote-runs';

  /** `redraw`: ask the panel to render again (a new reply); `shown`: the panel is on screen. */
  constructor(
    redraw: () => void,
    private _shown: () => boolean
  ) {
    this._runs.changed.connect(redraw);
  }

  render(): ReactElement {
    // polled while on screen: a redraw of the hidden panel starts nothing, and the panel
    // releases the poll (release) when it is hidden or shows another notebook
    if (this._shown()) {
      this._runs.watch();
    }
    return remoteRunsView(this._runs.reply, this._runs.error);
  }

  release(): void {
    this._runs.unwatch();
  }

  private _runs = new RemoteRuns();
}
