/**
 * The Schedule section: a cron schedule on the notebook (described in words as you type), its
 * time zone and parameters, or a trigger schedule fired by messages on a topic; the list with next firings and last run, pause/resume, run now,
 * remove and recent runs; and whether a scheduler service is running to fire them. The notebook's
 * NotebookSchedules fetches and polls (schedules.ts) while the panel shows it; this only renders.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import React from 'react';

import { IPipeline, ISchedule } from '../api';
import { zonedTime } from '../format';
import { PipelineModel } from '../model';
import type { NotebookSchedules } from '../schedules';
import { ShownAlerts } from './alertrows';
import { describeCron, ScheduleForm } from './scheduleform';
import { Section } from './section';

export { describeCron, describeTopic } from './scheduleform';

/** A firing's trigger in words (the scheduler's cron | catchup | manual | message). */
const TRIGGER_WORDS: Record<string, string> = {
  cron: 'on schedule',
  catchup: 'caught up',
  manual: 'run now',
  message: 'by message'
};

export interface IScheduleSectionProps {
  model: PipelineModel;
  pipeline: IPipeline | null;
  /** "Host it here": start the scheduler service in this Jupyter server. */
  hostScheduler: () => Promise<void>;
}

export function ScheduleSection({ model, pipeline, hostScheduler }: IScheduleSectionProps): JSX.Element {
  const schedules = model.schedules;
  return (
    <Section title="Schedule" cls="nbo-schedule">
      <SchedulerStatus
        schedules={schedules}
        onHost={async () => {
          await hostScheduler();
          await schedules.refresh();
        }}
      />
      <ScheduleForm schedules={schedules} pipeline={pipeline} />
      {schedules.error ? (
        <div className="nbo-error" role="alert">
          {schedules.error}
          <button className="nbo-link nbo-dismiss" title="Dismiss" onClick={() => schedules.clearError()}>
            ×
          </button>
        </div>
      ) : null}
      {schedules.notice ? (
        <div className="nbo-warning nbo-schedule-notice" role="status">
          {schedules.notice}
          <button className="nbo-link nbo-dismiss" title="Dismiss" onClick={() => schedules.clearNotice()}>
            ×
          </button>
        </div>
      ) : null}
      {schedules.list.length ? (
        <ul className="nbo-schedule-list">
          {schedules.list.map(s => (
            <ScheduleItem key={s.name} model={model} schedule={s} />
          ))}
        </ul>
      ) : schedules.loaded ? (
        <p className="nbo-empty">No schedules on this notebook.</p>
      ) : null}
    </Section>
  );
}

/** Whether a scheduler service fires the schedules, and "host it here" when none does. */
function SchedulerStatus(props: { schedules: NotebookSchedules; onHost: () => Promise<void> }): JSX.Element | null {
  const { schedules } = props;
  if (!schedules.loaded) {
    return null;
  }
  if (schedules.services.length) {
    const kinds = schedules.services.map(s => String(s.kind ?? 'service'));
    return (
      <p className="nbo-help nbo-scheduler-on">{`Schedules fire: a scheduler service is running (${kinds.join(', ')}).`}</p>
    );
  }
  return (
    <div className="nbo-warning nbo-scheduler-off">
      {'No scheduler service is running, so schedules will not fire. '}
      <button className="nbo-link nbo-host-scheduler" onClick={() => void props.onHost()}>
        Host it in this Jupyter server
      </button>
      {' (or run notebook-ops scheduler).'}
    </div>
  );
}

/** A firing's trigger, state, run and error. */
function ScheduleItem({ model, schedule: s }: { model: PipelineModel; schedule: ISchedule }): JSX.Element {
  const schedules = model.schedules;
  const details = schedules.details(s.name);
  const last = s.last_run;
  const byMessage = s.kind === 'trigger';
  const remove = async () => {
    const answer = await showDialog({
      title: 'Remove schedule',
      body: `Remove the schedule "${s.name}" and its history of firings? Runs it made stay.`,
      buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Remove' })]
    });
    if (answer.button.accept) {
      await schedules.remove(s.name);
    }
  };
  return (
    <li className={`nbo-schedule-item${s.paused ? ' nbo-paused' : ''}`} data-schedule={s.name}>
      <div className="nbo-schedule-head">
        <strong>{s.name}</strong>
        {byMessage ? <code className="nbo-schedule-source">{s.source ?? ''}</code> : <code>{s.cron}</code>}
        {byMessage ? null : <span className="nbo-help">{s.tz}</span>}
      </div>
      <div className="nbo-help">
        {byMessage ? `A run per message (subscription ${s.subscription ?? ''})` : describeCron(s.cron).text}
      </div>
      <div className="nbo-schedule-next">
        {s.paused ? 'paused' : byMessage ? 'listening' : <Upcoming schedule={s} />}
        {last ? (
          <span className={`nbo-status nbo-status-${last.state}`}>{`last: ${last.state.replace('_', ' ')}`}</span>
        ) : null}
      </div>
      {s.alerts.length ? (
        <div className="nbo-schedule-alerts-shown" aria-label="alerts">
          <ShownAlerts alerts={s.alerts} />
        </div>
      ) : null}
      <div className="nbo-buttons">
        <button className="nbo-link nbo-pause" onClick={() => void schedules.setPaused(s.name, !s.paused)}>
          {s.paused ? 'Resume' : 'Pause'}
        </button>
        {byMessage ? null : (
          <button className="nbo-link nbo-run-now" onClick={() => void schedules.runNow(s.name)}>
            Run now
          </button>
        )}
        <button className="nbo-link nbo-history" onClick={() => void schedules.toggleDetails(s.name)}>
          {details ? 'Hide runs' : 'Recent runs'}
        </button>
        <button className="nbo-link nbo-remove" onClick={() => void remove()}>
          Remove
        </button>
      </div>
      {details ? (
        <ul className="nbo-schedule-runs">
          {(details.recent_runs ?? []).length ? (
            (details.recent_runs ?? []).map((r, i) => (
              <li key={i} data-state={r.state}>
                <span className={`nbo-status nbo-status-${r.state}`}>{r.state.replace('_', ' ')}</span>
                {` ${zonedTime(r.scheduled_for, s.tz || 'UTC')} · ${TRIGGER_WORDS[r.trigger] ?? r.trigger}`}
                {r.run_id ? ' · ' : null}
                {r.run_id ? (
                  <button
                    className="nbo-link nbo-open-scheduled-run"
                    title="Show this run in the Run section: steps, executed notebooks, metrics"
                    onClick={() => void model.runs.showById(r.run_id!)}
                  >
                    open the run
                  </button>
                ) : null}
                {r.state === 'pending' && !schedules.services.length ? (
                  <div className="nbo-warning">Waiting for a scheduler service: none is running to start it.</div>
                ) : null}
                {r.error ? <div className="nbo-step-error">{r.error}</div> : null}
              </li>
            ))
          ) : (
            <li className="nbo-help">No firings yet.</li>
          )}
        </ul>
      ) : null}
    </li>
  );
}

/** The next five firings, the first as "next" (the server lists them: scheduler/api.py). */
function Upcoming({ schedule: s }: { schedule: ISchedule }): JSX.Element {
  const tz = s.tz || 'UTC';
  const times = s.upcoming.length ? s.upcoming : s.next_fire_at ? [s.next_fire_at] : [];
  return (
    <div className="nbo-schedule-upcoming">
      {`next: ${zonedTime(times[0], tz)}`}
      {times.length > 1 ? (
        <ul className="nbo-upcoming-list" aria-label="the firings after the next">
          {times.slice(1, 5).map((t, i) => (
            <li key={i}>{`then ${zonedTime(t, tz)}`}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
