/**
 * The new-schedule form of the Schedule section: a cron (described in words as you type) and its
 * time zone, or a topic whose messages fire runs; a name, parameter values and alerts. What is
 * typed is the form's own state until "Add schedule" hands it to the notebook's NotebookSchedules
 * (the server checks the alerts as the CLI's --alert does: a bad one is the section's error line).
 */
import cronstrue from 'cronstrue';
import React, { useState } from 'react';

import { alertsOf, draftProblem, emptyAlertDraft, IAlertDraft } from '../alerts';
import { IParameter, IPipeline } from '../api';
import { supportedTimeZones, timeZoneChoices } from '../format';
import type { NotebookSchedules } from '../schedules';
import { AlertDraftRow } from './alertrows';

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
  /** Who is told when a run fails, misses a target, or a firing is missed. */
  alerts: IAlertDraft[];
}

const ownZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

const emptyDraft = (): IDraft => ({
  kind: 'cron',
  source: '',
  cron: '',
  tz: ownZone(),
  name: '',
  params: {},
  paramsOpen: false,
  alerts: []
});

let zoneList: string[] | null = null;

/** The zones the browser knows, its own first (jupyter-scheduler does the same). */
function zones(): string[] {
  if (!zoneList) {
    zoneList = timeZoneChoices(Intl.DateTimeFormat().resolvedOptions().timeZone, supportedTimeZones());
  }
  return zoneList;
}

/** The new schedule: a cron (described as typed) or a topic, its zone, name and parameters. */
export function ScheduleForm(props: { schedules: NotebookSchedules; pipeline: IPipeline | null }): JSX.Element {
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
  const typed = draft.alerts.filter(a => a.to.trim() || a.on.length < emptyAlertDraft().on.length);
  const alertProblem = typed.map(draftProblem).find(p => p) ?? null;
  const add = async () => {
    const name = draft.name.trim() || undefined;
    const alerts = alertsOf(draft.alerts);
    const ok = byMessage
      ? await schedules.addTrigger(draft.source.trim(), given, name, alerts)
      : await schedules.add(draft.cron.trim(), draft.tz, given, name, alerts);
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
      <ScheduleAlerts alerts={draft.alerts} pipeline={pipeline?.name} onChange={alerts => edit({ alerts })} />
      {alertProblem ? (
        <div className="nbo-field-error nbo-alert-error" role="alert">
          {alertProblem}
        </div>
      ) : null}
      <div className="nbo-buttons">
        <button
          className="jp-mod-styled jp-mod-accept nbo-button nbo-add-schedule"
          disabled={!described.ok || !pipeline || alertProblem !== null}
          onClick={() => void add()}
        >
          Add schedule
        </button>
      </div>
    </div>
  );
}

/** The schedule's alerts: a row per destination, added one at a time. */
function ScheduleAlerts(props: {
  alerts: IAlertDraft[];
  pipeline?: string;
  onChange: (alerts: IAlertDraft[]) => void;
}): JSX.Element {
  const { alerts, onChange } = props;
  const set = (i: number, draft: IAlertDraft) => onChange(alerts.map((a, j) => (j === i ? draft : a)));
  return (
    <div className="nbo-schedule-alerts">
      <span className="nbo-field-label">alerts</span>
      {alerts.map((a, i) => (
        <AlertDraftRow
          key={i}
          draft={a}
          pipeline={props.pipeline}
          onChange={d => set(i, d)}
          onRemove={() => onChange(alerts.filter((_, j) => j !== i))}
        />
      ))}
      <button className="nbo-link nbo-add-alert" onClick={() => onChange([...alerts, emptyAlertDraft()])}>
        {alerts.length ? 'Add another alert' : 'Add an alert (webhook or e-mail)'}
      </button>
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
