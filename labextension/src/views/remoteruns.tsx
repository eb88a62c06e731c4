/**
 * The "Remote runs (Airflow)" section: each run of a deployed pipeline with its state, its tasks'
 * states and a link to its page in Airflow's UI. Offered only when the server has an Airflow
 * (features.remote_runs); the browser never calls Airflow itself. The RemoteRuns model polls
 * (remoteruns.ts) while the panel shows the section; this only renders its reply.
 */
import React from 'react';

import { IRemoteRun, IRemoteRuns } from '../api';
import type { RemoteRuns } from '../remoteruns';
import { useSignal } from './hooks';
import { Section } from './section';

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

function RemoteRunItem({ run }: { run: IRemoteRun }): JSX.Element {
  const state = run.state ?? 'none';
  const summary = taskSummary(run);
  return (
    <li className="nbo-remote-run" data-dag={run.dag_id} data-run={run.run_id} data-state={state}>
      <div className="nbo-run-head">
        <span className={`nbo-status nbo-status-${state}`}>{state.replace('_', ' ')}</span>{' '}
        <strong>{run.dag_id}</strong>
        <span className="nbo-help" title={run.run_id}>
          {` ${run.run_id}`}
        </span>{' '}
        <a
          className="nbo-link nbo-airflow-link"
          href={run.url}
          target="_blank"
          rel="noopener"
          title="Open this run in Airflow's UI"
        >
          Airflow
        </a>
      </div>
      <div className="nbo-help">{summary.text}</div>
      <ul className="nbo-remote-tasks">
        {summary.tasks.map(([name, s]) => (
          <li key={name} className={`nbo-step-run nbo-status-${s}`} data-task={name}>
            <span className="nbo-step-run-name" title={name}>
              {name}
            </span>
            <span className="nbo-step-run-status">{s.replace('_', ' ')}</span>
          </li>
        ))}
      </ul>
    </li>
  );
}

export interface IRemoteRunsListProps {
  /** The last reply (null: not fetched yet). */
  reply: IRemoteRuns | null;
  error: string | null;
}

/** The section for a reply and the last error. */
export function RemoteRunsList({ reply, error }: IRemoteRunsListProps): JSX.Element {
  return (
    <Section title="Remote runs (Airflow)" cls="nbo-remote-runs">
      {error ? (
        <div className="nbo-error" role="alert">
          {error}
        </div>
      ) : null}
      {reply ? (
        reply.runs.length ? (
          <ul className="nbo-remote-run-list">
            {reply.runs.map(r => (
              <RemoteRunItem key={`${r.dag_id}/${r.run_id}`} run={r} />
            ))}
          </ul>
        ) : (
          <p className="nbo-empty">{`No runs of notebook-ops DAGs in ${reply.airflow_url} yet.`}</p>
        )
      ) : error ? null : (
        <p className="nbo-empty">Asking Airflow…</p>
      )}
    </Section>
  );
}

/** The section following the RemoteRuns model: renders again at each reply. */
export function RemoteRunsSection({ runs }: { runs: RemoteRuns }): JSX.Element {
  useSignal(runs.changed);
  return <RemoteRunsList reply={runs.reply} error={runs.error} />;
}
