/**
 * Pipeline settings, edited into the notebook's `metadata.notebook_ops`: name, owner, objective,
 * metric targets, alerts (settingsalerts.tsx), and the options of one step at a time (retries,
 * timeout, cache, resources, image).
 * Values are written when a field is committed (Enter or leaving it); the model re-reads the pipeline.
 */
import React, { ReactNode, useEffect, useRef, useState } from 'react';

import { IPipeline } from '../api';
import { PipelineModel } from '../model';
import { Section } from './section';
import { SettingsAlerts } from './settingsalerts';

/** "accuracy >= 0.8" lines <-> {"accuracy": ">= 0.8"}. */
export function parseTargets(value: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of value.split(/[\n;]+/)) {
    const m = /^\s*([A-Za-z_][\w.-]*)\s*((?:>=|<=|==|>|<)\s*-?[\d.]+(?:[eE][-+]?\d+)?)\s*$/.exec(line);
    if (m) {
      out[m[1]] = m[2].replace(/\s+/g, ' ');
    }
  }
  return out;
}

function numberOrUndefined(value: string): number | undefined {
  if (!value) {
    return undefined;
  }
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

function Field(props: { label: string; help?: string; children: ReactNode }): JSX.Element {
  return (
    <label className="nbo-field" title={props.help ?? ''}>
      <span className="nbo-field-label">{props.label}</span>
      {props.children}
    </label>
  );
}

export interface ICommitFieldProps {
  value: unknown;
  /** The trimmed text, when the user commits a change (Enter in a line, or leaving the field). */
  onCommit: (value: string) => void;
  placeholder?: string;
  /** A textarea of this many rows (Enter then starts a new line). */
  rows?: number;
  className?: string;
}

/**
 * A text field that writes only when committed: what is typed stays the field's own until then,
 * so a redraw from the model (a re-read pipeline) never takes the text or the caret away.
 */
export function CommitField(props: ICommitFieldProps): JSX.Element {
  const value = props.value === undefined || props.value === null ? '' : String(props.value);
  const [draft, setDraft] = useState<string | null>(null);
  const ref = useRef<HTMLInputElement & HTMLTextAreaElement>(null);
  // what Enter last wrote, so that leaving the field does not write it again
  const written = useRef<string | null>(null);
  // the model's value changed: show it, unless the user is still typing here
  useEffect(() => {
    written.current = null;
    if (ref.current !== document.activeElement) {
      setDraft(null);
    }
  }, [value]);
  const commit = () => {
    const text = draft?.trim();
    if (text !== undefined && text !== value && text !== written.current) {
      written.current = text;
      props.onCommit(text);
    }
  };
  const common = {
    ref,
    className: `jp-mod-styled nbo-input${props.className ? ' ' + props.className : ''}`,
    value: draft ?? value,
    placeholder: props.placeholder ?? '',
    onChange: (e: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => setDraft(e.target.value),
    onBlur: () => {
      commit();
      setDraft(null);
    }
  };
  if (props.rows) {
    return <textarea rows={props.rows} {...common} />;
  }
  return <input type="text" onKeyDown={e => e.key === 'Enter' && commit()} {...common} />;
}

export interface ISettingsProps {
  model: PipelineModel;
  pipeline: IPipeline;
  /** The step whose options show (the graph's selection); null: the first step. */
  selected: string | null;
  onSelectStep: (step: string) => void;
}

export function Settings({ model, pipeline, selected, onSelectStep }: ISettingsProps): JSX.Element {
  const s = model.settings;
  const targets = Object.entries(s.metric_targets ?? {})
    .map(([k, v]) => `${k} ${v}`)
    .join('\n');
  const stepNames = pipeline.steps.map(st => st.name);
  const step = selected && stepNames.includes(selected) ? selected : stepNames[0];
  return (
    <Section title="Settings" cls="nbo-settings">
      <div className="nbo-form">
        <Field label="name" help="Pipeline name (lower case).">
          <CommitField value={s.name} onCommit={v => model.updateSettings({ name: v })} placeholder={pipeline.name} />
        </Field>
        <Field label="owner">
          <CommitField
            value={s.owner}
            onCommit={v => model.updateSettings({ owner: v })}
            placeholder="team or e-mail"
          />
        </Field>
        <Field label="objective">
          <CommitField
            rows={2}
            value={s.objective ?? ''}
            onCommit={v => model.updateSettings({ objective: v })}
            placeholder="What this pipeline is for"
          />
        </Field>
        <Field label="metric targets" help="One per line: metric, comparison, number.">
          <CommitField
            rows={2}
            className="nbo-mono"
            value={targets}
            onCommit={v => model.updateSettings({ metric_targets: parseTargets(v) })}
            placeholder="accuracy >= 0.8"
          />
        </Field>
      </div>
      <SettingsAlerts model={model} />
      {step ? <StepOptions model={model} step={step} stepNames={stepNames} onSelectStep={onSelectStep} /> : null}
    </Section>
  );
}

interface IStepOptionsProps {
  model: PipelineModel;
  step: string;
  stepNames: string[];
  onSelectStep: (step: string) => void;
}

/** One step's options (`metadata.notebook_ops.steps[step]`), the step picked from a list. */
function StepOptions({ model, step, stepNames, onSelectStep }: IStepOptionsProps): JSX.Element {
  const stepOpts = (model.settings.steps?.[step] as Record<string, unknown> | undefined) ?? {};
  const setStep = (patch: Record<string, unknown>) => {
    const all = { ...(model.settings.steps ?? {}) };
    const next: Record<string, unknown> = { ...(all[step] ?? {}), ...patch };
    for (const key of Object.keys(next)) {
      const v = next[key];
      if (v === undefined || v === '' || (typeof v === 'object' && v && !Object.keys(v).length)) {
        delete next[key];
      }
    }
    if (Object.keys(next).length) {
      all[step] = next;
    } else {
      delete all[step];
    }
    model.updateSettings({ steps: all });
  };
  const resources = (stepOpts.resources ?? {}) as Record<string, unknown>;
  const setResource = (key: string, value: unknown) => setStep({ resources: { ...resources, [key]: value } });
  // keyed by the step: another step's fields start from its own values
  return (
    <div className="nbo-form nbo-step-options" data-step={step} key={step}>
      <h4>
        {'Options of step '}
        <select className="jp-mod-styled nbo-step-select" value={step} onChange={e => onSelectStep(e.target.value)}>
          {stepNames.map(n => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </h4>
      <Field label="retries">
        <CommitField
          value={stepOpts.retries}
          onCommit={v => setStep({ retries: numberOrUndefined(v) })}
          placeholder="0"
        />
      </Field>
      <Field label="timeout (s)">
        <CommitField
          value={stepOpts.timeout}
          onCommit={v => setStep({ timeout: numberOrUndefined(v) })}
          placeholder="600"
        />
      </Field>
      <Field label="cache">
        <input
          type="checkbox"
          checked={stepOpts.cache !== false}
          onChange={e => setStep({ cache: e.target.checked ? undefined : false })}
        />
      </Field>
      <Field label="cpu">
        <CommitField
          value={resources.cpu}
          onCommit={v => setResource('cpu', numberOrUndefined(v) ?? (v || undefined))}
          placeholder="1"
        />
      </Field>
      <Field label="memory">
        <CommitField value={resources.memory} onCommit={v => setResource('memory', v || undefined)} placeholder="1Gi" />
      </Field>
      <Field label="gpu">
        <CommitField value={resources.gpu} onCommit={v => setResource('gpu', numberOrUndefined(v))} placeholder="0" />
      </Field>
      <Field label="image">
        <CommitField
          value={stepOpts.image}
          onCommit={v => setStep({ image: v || undefined })}
          placeholder="container image"
        />
      </Field>
    </div>
  );
}
