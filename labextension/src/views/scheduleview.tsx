/**
 * The Schedule section: a cron schedule on the notebook (described in words as you type), its
 * time zone and parameters, or a trigger schedule fired by messages on a topic; the list with next firings and last run, pause/resume, run now,
 * remove and recent runs; and whether a scheduler service is running to fire them. The notebook's
 * NotebookSchedules fetches and polls (schedules.ts) while the panel shows it; this only renders.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import cronstrue from 'cronstrue';
import React, { useState } from 'react';

import { IParameter, IPipeline, ISchedule } from '../api';
import { supportedTimeZones, timeZoneChoices, zonedTime } from '../format';
import { PipelineModel } from '../model';
import type { NotebookSchedules } from '../schedules';
import { Section } from './section';

/** The cron in words, or why it is not valid. */
export function describeCron(expr: string): { text: string; ok: boolean } {
  const trimmed = expr.trim();
  if (!trimmed) {
    return { text: 'e.g. 0 6 * * 1 (every Monday at 06:00)', ok: false };
  }
  const fields = trimmed.split(/\s+/).length;
  if (!trimmed.startsWith('@') && fields !== 5 && fields !== 6) {
    return { text: `5 fields (minute hour day month weekday), or 6 with seconds first; got ${fields}`, ok: false };
  }
  try {
    return { text: cronstrue.toString(trimmed, { use24HourTimeFormat: true, verbose: false }), ok: true };
  } catch (error) {
    return { text: String(error).replace(/^Error:\s*/, ''), ok: false };
  }
}

/** A topic URL a trigger schedule can listen on, or why not (the server checks it fully). */
export function describeTopic(url: string): { text: string; ok: boolean } {
  const trimmed = url.trim();
  if (!trimmed) {
    return { text: 'e.g. pulsar://broker:6650/new-data', ok: false };
  }
  if (!/^pulsar(\+ssl)?:\/\/[^/\s]+\/\S+$/.test(trimmed)) {
    return { text: 'pulsar://host:port/topic (or pulsar+ssl://)', ok: false };
  }
  return { text: 'A run per message; parameters may use {{ message.FIELD }}', ok: true };
}

/** The form's typed values, the section's own state until "Add schedule". */
interface IDraft {
  kind: 'cron' | 'trigger';
  source: string;
  cron: string;
  tz: string;
  name: string;
  /** Parameter name -> the text typed (empty: the notebook's default). */
  params: Record<string, string>;
  /** The parameters section is open (kept across the periodic refresh). */
  paramsOpen: boolean;
}

const ownZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

const emptyDraft = (): IDraft => ({
  kind: 'cron',
  source: '',
  cron: '',
  tz: ownZone(),
  name: '',
  params: {},
  paramsOpen: false
});

let zoneList: string[] | null = null;

/** The zones the browser knows, its own first (jupyter-scheduler does the same). */
function zones(): string[] {
  if (!zoneList) {
    zoneList = timeZoneChoices(Intl.DateTimeFormat().resolvedOptions().timeZone, supportedTimeZones());
  }
  return zoneList;
}

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

/** The new schedule: a cron (described as typed) or a topic, its zone, name and parameters. */
function ScheduleForm(props: { schedules: NotebookSchedules; pipeline: IPipeline | null }): JSX.Element {
  const { schedules, pipeline } = props;
  const [draft, setDraft] = useState<IDraft>(emptyDraft);
  const edit = (patch: Partial<IDraft>) => setDraft(d => ({ ...d, ...patch }));
  const byMessage = draft.kind === 'trigger';
  const described = byMessage ? describeTopic(draft.source) : describeCron(draft.cron);
  const description = <div className={`nbo-cron-text${described.ok ? '' : ' nbo-cron-invalid'}`}>{described.text}</div>;
  // the values given (trimmed); a parameter left empty takes the notebook's default
  const given = Object.fromEntries(
    Object.entries(draft.params)
      .map(([k, v]) => [k, v.trim()])
      .filter(([, v]) => v)
  );
  const add = async () => {
    const name = draft.name.trim() || undefined;
    const ok = byMessage
      ? await schedules.addTrigger(draft.source.trim(), given, name)
      : await schedules.add(draft.cron.trim(), draft.tz, given, name);
    if (ok) {
      setDraft(emptyDraft());
    }
  };
  const params = pipeline?.parameters ?? [];
  return (
    <div className="nbo-form nbo-schedule-form">
      <label className="nbo-field">
        <span className="nbo-field-label">fires on</span>
        <select
          className="jp-mod-styled nbo-input nbo-schedule-kind"
          aria-label="fires on"
          value={draft.kind}
          onChange={e => edit({ kind: e.target.value as IDraft['kind'] })}
        >
          <option value="cron">a cron clock</option>
          <option value="trigger">each message on a topic</option>
        </select>
      </label>
      {byMessage ? (
        <label className="nbo-field">
          <span className="nbo-field-label">topic</span>
          <input
            type="text"
            className="jp-mod-styled nbo-input nbo-mono nbo-topic"
            value={draft.source}
            placeholder="pulsar://broker:6650/new-data"
            aria-label="topic URL"
            onChange={e => edit({ source: e.target.value })}
          />
          {description}
        </label>
      ) : (
        <label className="nbo-field">
          <span className="nbo-field-label">cron</span>
          <input
            type="text"
            className="jp-mod-styled nbo-input nbo-mono nbo-cron"
            value={draft.cron}
            placeholder="0 6 * * 1"
            aria-label="cron expression"
            onChange={e => edit({ cron: e.target.value })}
          />
          {description}
        </label>
      )}
      {byMessage ? null : (
        <label className="nbo-field">
          <span className="nbo-field-label">time zone</span>
          <select
            className="jp-mod-styled nbo-input nbo-schedule-tz"
            aria-label="time zone"
            value={draft.tz}
            onChange={e => edit({ tz: e.target.value })}
          >
            {zones().map(z => (
              <option key={z} value={z}>
                {z}
              </option>
            ))}
          </select>
        </label>
      )}
      <label className="nbo-field">
        <span className="nbo-field-label">name (optional)</span>
        <input
          type="text"
          className="jp-mod-styled nbo-input nbo-schedule-name"
          value={draft.name}
          placeholder={pipeline?.name ?? ''}
          aria-label="schedule name"
          onChange={e => edit({ name: e.target.value })}
        />
      </label>
      {params.length ? (
        <ScheduleParameters
          params={params}
          byMessage={byMessage}
          values={draft.params}
          open={draft.paramsOpen || Object.keys(given).length > 0}
          onToggle={open => edit({ paramsOpen: open })}
          onChange={values => edit({ params: values })}
        />
      ) : null}
      <div className="nbo-buttons">
        <button
          className="jp-mod-styled jp-mod-accept nbo-button nbo-add-schedule"
          disabled={!described.ok || !pipeline}
          onClick={() => void add()}
        >
          Add schedule
        </button>
      </div>
    </div>
  );
}

interface IScheduleParametersProps {
  params: IParameter[];
  byMessage: boolean;
  /** Name -> the text typed. */
  values: Record<string, string>;
  open: boolean;
  onToggle: (open: boolean) => void;
  onChange: (values: Record<string, string>) => void;
}

/** The schedule's parameter values, folded (empty: the notebook's default). */
function ScheduleParameters(props: IScheduleParametersProps): JSX.Element {
  return (
    <details
      className="nbo-schedule-params"
      open={props.open}
      onToggle={e => props.onToggle((e.currentTarget as HTMLDetailsElement).open)}
    >
      <summary>
        {props.byMessage
          ? "Parameters (none filled: the message's top-level fields are the parameters; {{ message.FIELD }} takes one field)"
          : 'Parameters (empty: the notebook default; {{ scheduled_date }} is the firing day)'}
      </summary>
      {props.params.map(p => (
        <label key={p.name} className="nbo-field">
          <span className="nbo-field-label">{`${p.name} (${p.type})`}</span>
          <input
            type="text"
            className="jp-mod-styled nbo-input nbo-mono"
            name={p.name}
            value={props.values[p.name] ?? ''}
            placeholder={String(p.default)}
            onChange={e => props.onChange({ ...props.values, [p.name]: e.target.value })}
          />
        </label>
      ))}
    </details>
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
