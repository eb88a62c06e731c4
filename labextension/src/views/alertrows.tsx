/**
 * The alert fields the Schedule form and the pipeline Settings share: a destination typed with
 * the conditions it is sent on, and alerts listed as the server shows them (masked).
 */
import React, { useState } from 'react';

import { CONDITIONS, conditionWords, draftProblem, IAlertDraft, sendTestAlert } from '../alerts';
import type { IAlertView } from '../api';

export interface IAlertDraftRowProps {
  draft: IAlertDraft;
  onChange: (draft: IAlertDraft) => void;
  /** Drop this row (the schedule form's ×); absent: the row stays. */
  onRemove?: () => void;
  onEnter?: () => void;
  /** The pipeline the test message names. */
  pipeline?: string;
}

/** One alert being typed: its destination, a tick per condition, and a test message to it. */
export function AlertDraftRow({ draft, onChange, onRemove, onEnter, pipeline }: IAlertDraftRowProps): JSX.Element {
  const [test, setTest] = useState<{ ok: boolean; text: string } | null>(null);
  const [sending, setSending] = useState(false);
  const change = (next: IAlertDraft) => {
    setTest(null);
    onChange(next);
  };
  const sendTest = async () => {
    setSending(true);
    setTest(await sendTestAlert(draft, pipeline));
    setSending(false);
  };
  return (
    <div className="nbo-alert-draft">
      <div className="nbo-alert-to">
        <input
          type="text"
          className="jp-mod-styled nbo-input nbo-mono nbo-alert-destination"
          value={draft.to}
          placeholder="https://hooks.slack.com/..., mailto:ops@example.com or env:NAME"
          aria-label="alert destination"
          autoComplete="off"
          spellCheck={false}
          onChange={e => change({ ...draft, to: e.target.value })}
          onKeyDown={e => e.key === 'Enter' && onEnter?.()}
        />
        {onRemove ? (
          <button className="nbo-link nbo-alert-drop" title="Drop this alert" onClick={onRemove}>
            ×
          </button>
        ) : null}
      </div>
      <div className="nbo-alert-on" role="group" aria-label="sent when">
        {CONDITIONS.map(c => (
          <label key={c.value} className="nbo-alert-condition">
            <input
              type="checkbox"
              value={c.value}
              checked={draft.on.includes(c.value)}
              onChange={e =>
                change({
                  ...draft,
                  on: e.target.checked ? [...draft.on, c.value] : draft.on.filter(v => v !== c.value)
                })
              }
            />
            {c.label}
          </label>
        ))}
        <button
          className="nbo-link nbo-test-alert"
          title="Send one test message to this destination now, from the Jupyter server"
          disabled={sending || draftProblem(draft) !== null}
          onClick={() => void sendTest()}
        >
          {sending ? 'Sending…' : 'Send test alert'}
        </button>
      </div>
      {test ? (
        <div
          className={test.ok ? 'nbo-help nbo-alert-test-result' : 'nbo-field-error nbo-alert-test-result'}
          role={test.ok ? 'status' : 'alert'}
        >
          {test.text}
        </div>
      ) : null}
    </div>
  );
}

/** Alerts as the server shows them: the destination masked, the conditions in words. */
export function ShownAlerts(props: {
  alerts: IAlertView[] | { to: string; on: string[] }[];
  onRemove?: (i: number) => void;
}): JSX.Element {
  return (
    <ul className="nbo-alert-list">
      {props.alerts.map((a, i) => (
        <li key={i} className="nbo-alert" data-alert={i}>
          <code className="nbo-alert-shown">{a.to}</code>
          <span className="nbo-help">{` on ${conditionWords(a.on)}`}</span>
          {props.onRemove ? (
            <button className="nbo-link nbo-alert-remove" title="Remove this alert" onClick={() => props.onRemove!(i)}>
              Remove
            </button>
          ) : null}
        </li>
      ))}
    </ul>
  );
}
