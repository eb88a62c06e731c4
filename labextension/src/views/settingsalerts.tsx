/**
 * The pipeline's alerts in the Settings section (`metadata.notebook_ops.alerts`): listed as the
 * server shows them (masked, POST alert-checks), removed one at a time, and a new one typed,
 * checked by the server as the CLI's --alert is, then written into the notebook metadata the way
 * the other settings are (PipelineModel.updateSettings). A destination carrying its credential in
 * clear is refused here: the notebook is shared and committed (write env:NAME instead).
 */
import React, { useEffect, useState } from 'react';

import {
  alertOf,
  checkAlerts,
  draftProblem,
  emptyAlertDraft,
  IAlertDraft,
  settingsAlerts,
  settingsRefusal,
  withAlert,
  withoutAlert
} from '../alerts';
import type { IAlertView } from '../api';
import { PipelineModel } from '../model';
import { AlertDraftRow, ShownAlerts } from './alertrows';

/** The server's message about the one alert sent, without its "alerts[0]: " position. */
const oneLine = (message: string) => message.replace(/^alerts\[0\]:\s*/, '');

export function SettingsAlerts({ model }: { model: PipelineModel }): JSX.Element {
  const items = settingsAlerts(model.settings);
  const key = JSON.stringify(items);
  const [shown, setShown] = useState<IAlertView[] | null>(null);
  const [listError, setListError] = useState<string | null>(null);
  const [draft, setDraft] = useState<IAlertDraft>(emptyAlertDraft);
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  // the saved alerts as the server shows them, again whenever the metadata changes
  useEffect(() => {
    let current = true;
    if (!items.length) {
      setShown([]);
      setListError(null);
      return;
    }
    void checkAlerts(items).then(reply => {
      if (!current) {
        return;
      }
      if ('error' in reply) {
        setShown(null);
        setListError(reply.error);
      } else {
        setShown(reply.shown);
        setListError(null);
      }
    });
    return () => {
      current = false;
    };
  }, [key]);

  const add = async () => {
    const problem = draftProblem(draft);
    if (problem) {
      setMessage(problem);
      return;
    }
    setBusy(true);
    const item = alertOf(draft);
    const reply = await checkAlerts([item]);
    setBusy(false);
    const refusal = 'error' in reply ? oneLine(reply.error) : settingsRefusal(reply.shown[0]);
    if (refusal) {
      setMessage(refusal);
      return;
    }
    model.updateSettings({ alerts: withAlert(model.settings.alerts, item) });
    setDraft(emptyAlertDraft());
    setMessage(null);
  };

  const remove = (i: number) => model.updateSettings({ alerts: withoutAlert(model.settings.alerts, i) });

  return (
    <div className="nbo-form nbo-settings-alerts">
      <h4>Alerts</h4>
      <p className="nbo-help">
        Who is told when a run fails, a metric misses its target, a model is promoted or a schedule misses a firing.
        SMTP settings come from the environment of whatever sends the alert (NOTEBOOK_OPS_SMTP_*).
      </p>
      {listError ? (
        <div className="nbo-error nbo-alert-list-error" role="alert">
          {listError}
        </div>
      ) : shown && shown.length ? (
        <ShownAlerts alerts={shown} onRemove={remove} />
      ) : shown ? (
        <p className="nbo-empty">No alerts: nobody is told.</p>
      ) : null}
      <AlertDraftRow
        draft={draft}
        onChange={d => {
          setDraft(d);
          setMessage(null);
        }}
        onEnter={() => void add()}
        pipeline={model.pipeline?.name}
      />
      {message ? (
        <div className="nbo-field-error nbo-alert-error" role="alert">
          {message}
        </div>
      ) : null}
      <div className="nbo-buttons">
        <button className="jp-mod-styled nbo-button nbo-save-alert" disabled={busy} onClick={() => void add()}>
          Add alert
        </button>
      </div>
    </div>
  );
}
