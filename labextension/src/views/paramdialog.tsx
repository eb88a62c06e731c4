/**
 * The Run dialog: one field per parameter (checked against its type as you type), whether to
 * reuse cached step results, where to start, and where to run (this server, or a Dask cluster and
 * the data store its workers share). The last values given for a notebook are offered again next
 * time; a value that does not check keeps the dialog open with every error.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { ReactWidget } from '@jupyterlab/ui-components';
import React, { useEffect, useRef, useState } from 'react';

import { IParameter } from '../api';
import { checkParameter, clusterProblem } from '../format';
import { runFormKey } from '../runform';

/** A default as the user would type it (the runner converts text to the declared type). */
export function asText(p: IParameter): string {
  if (p.type === 'str' && typeof p.default === 'string') {
    return p.default;
  }
  if (typeof p.default === 'boolean') {
    return p.default ? 'True' : 'False';
  }
  if (p.default === null || p.default === undefined) {
    return 'None';
  }
  return typeof p.default === 'object' ? JSON.stringify(p.default) : String(p.default);
}

export interface IRunChoice {
  /** Only the values that differ from the notebook's defaults. */
  parameters: Record<string, string>;
  cache: boolean;
  /** Run this step and everything downstream of it (earlier results come from the cache). */
  fromStep: string | null;
  /** A Dask scheduler to run the steps on, 'local' for this server; null: the notebook's setting. */
  cluster: string | null;
  /** The data store between steps (s3://bucket/prefix), one the cluster's workers reach. */
  dataUrl: string | null;
}

/** What the form holds: every typed value, kept between attempts and runs. */
interface IRunForm {
  values: Record<string, string>;
  cache: boolean;
  fromStep: string | null;
  cluster: string;
  dataUrl: string;
}

const remembered = runFormKey;

function recall(path: string): Partial<IRunForm> {
  try {
    return JSON.parse(window.localStorage.getItem(remembered(path)) ?? '{}');
  } catch {
    return {};
  }
}

function remember(path: string, form: IRunForm): void {
  try {
    window.localStorage.setItem(remembered(path), JSON.stringify(form));
  } catch {
    // storage full or disabled: nothing to remember, the run goes on
  }
}

/** Every parameter whose text does not check: name -> reason. */
export function formErrors(params: readonly IParameter[], values: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of params) {
    const problem = checkParameter(p.type, values[p.name] ?? asText(p));
    if (problem) {
      out[p.name] = problem;
    }
  }
  return out;
}

/** Why the form cannot run as filled: every parameter's error, the start step's, the cluster's. */
function formProblems(
  params: readonly IParameter[],
  form: IRunForm
): { fields: Record<string, string>; fromHint: string; cluster: string } {
  // the steps before the start step give their results from the cache
  const fromNeedsCache = !!form.fromStep && !form.cache;
  return {
    fields: formErrors(params, trimmed(form).values),
    fromHint: fromNeedsCache
      ? 'Starting from a step reuses the earlier steps\' cached results: keep "reuse cached step results" ticked.'
      : '',
    cluster: clusterProblem(form.cluster.trim())
  };
}

/** The form as the run takes it: text fields trimmed. */
function trimmed(form: IRunForm): IRunForm {
  return {
    ...form,
    values: Object.fromEntries(Object.entries(form.values).map(([k, v]) => [k, v.trim()])),
    cluster: form.cluster.trim(),
    dataUrl: form.dataUrl.trim()
  };
}

interface IRunFormFieldsProps {
  params: IParameter[];
  steps: string[];
  initial: IRunForm;
  /** Every change of the form, as typed. */
  onChange: (form: IRunForm) => void;
}

/** The Run dialog's fields; Run is enabled only while every field checks. */
export function RunFormFields({ params, steps, initial, onChange }: IRunFormFieldsProps): JSX.Element {
  const [form, setForm] = useState<IRunForm>(() => ({
    ...initial,
    values: Object.fromEntries(params.map(p => [p.name, initial.values[p.name] ?? asText(p)]))
  }));
  const host = useRef<HTMLDivElement>(null);
  const problems = formProblems(params, form);
  const blocked = Object.keys(problems.fields).length > 0 || !!problems.fromHint || !!problems.cluster;
  const edit = (patch: Partial<IRunForm>) => setForm(f => ({ ...f, ...patch }));
  useEffect(() => {
    onChange(form);
    // the dialog's own Run button: disabled while a field does not check. Set again once the
    // event that changed the form is over: the dialog re-enables it at every 'input' event.
    const apply = () => {
      const accept = host.current?.closest('.jp-Dialog')?.querySelector<HTMLButtonElement>('.jp-mod-accept');
      if (accept) {
        accept.disabled = blocked;
      }
    };
    apply();
    const later = window.setTimeout(apply, 0);
    return () => window.clearTimeout(later);
  });
  return (
    <div ref={host}>
      {params.length ? (
        <div className="nbo-form">
          {params.map(p => (
            <label key={p.name} className="nbo-field" data-parameter={p.name}>
              <span className="nbo-field-label">{`${p.name} (${p.type})${p.help ? ' — ' + p.help : ''}`}</span>
              <input
                // a secret is typed unseen and never remembered (the server masks it everywhere)
                type={p.secret ? 'password' : 'text'}
                autoComplete={p.secret ? 'off' : undefined}
                placeholder={p.secret ? 'secret: from the server environment when empty' : undefined}
                className={`jp-mod-styled nbo-input${problems.fields[p.name] ? ' nbo-invalid' : ''}`}
                name={p.name}
                value={form.values[p.name] ?? ''}
                aria-label={p.name}
                onChange={e => edit({ values: { ...form.values, [p.name]: e.target.value } })}
              />
              <div className="nbo-field-error" role="alert">
                {problems.fields[p.name] ?? ''}
              </div>
            </label>
          ))}
        </div>
      ) : (
        <p>This pipeline has no parameters.</p>
      )}
      <div className="nbo-form nbo-run-options">
        <label className="nbo-field nbo-inline">
          <input
            type="checkbox"
            className="nbo-run-cache"
            checked={form.cache}
            onChange={e => edit({ cache: e.target.checked })}
          />
          {' reuse cached step results (untick to run every step again)'}
        </label>
        <label className="nbo-field">
          <span className="nbo-field-label">start from</span>
          <select
            className="jp-mod-styled nbo-run-from"
            aria-label="start from step"
            value={form.fromStep ?? ''}
            onChange={e => edit({ fromStep: e.target.value || null })}
          >
            <option value="">the first step (whole pipeline)</option>
            {steps.map(s => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
          <div className="nbo-field-error nbo-run-from-hint" role="alert">
            {problems.fromHint}
          </div>
        </label>
        <label
          className="nbo-field"
          title="Each step runs as a task on the cluster; it needs a data store its workers reach"
        >
          <span className="nbo-field-label">Cluster (Dask scheduler address)</span>
          <input
            type="text"
            className={`jp-mod-styled nbo-input nbo-mono nbo-run-cluster${problems.cluster ? ' nbo-invalid' : ''}`}
            value={form.cluster}
            placeholder="this server (or tcp://HOST:8786)"
            aria-label="Dask cluster"
            onChange={e => edit({ cluster: e.target.value })}
          />
          <div className="nbo-field-error nbo-run-cluster-error" role="alert">
            {problems.cluster}
          </div>
        </label>
        <label
          className="nbo-field"
          title="Where steps exchange data on a cluster: s3://, gs://, az:// or a shared folder"
        >
          <span className="nbo-field-label">Data store URL (the cluster workers' shared store)</span>
          <input
            type="text"
            className="jp-mod-styled nbo-input nbo-mono nbo-run-data-url"
            value={form.dataUrl}
            placeholder="s3://bucket/prefix"
            aria-label="data store URL"
            onChange={e => edit({ dataUrl: e.target.value })}
          />
        </label>
      </div>
    </div>
  );
}

/** The dialog's body: the fields, and their values for the dialog's result. */
class RunForm extends ReactWidget implements Dialog.IBodyWidget<IRunForm> {
  constructor(
    private _params: IParameter[],
    private _steps: string[],
    private _initial: IRunForm
  ) {
    super();
    this.addClass('nbo-params-form');
    this._form = _initial;
  }

  getValue(): IRunForm {
    return trimmed(this._form);
  }

  protected render(): JSX.Element {
    return (
      <RunFormFields
        params={this._params}
        steps={this._steps}
        initial={this._initial}
        onChange={form => {
          this._form = form;
        }}
      />
    );
  }

  private _form: IRunForm;
}

export async function askRun(
  path: string,
  name: string,
  params: IParameter[],
  steps: string[],
  /** The notebook's own `cluster` setting ('' when none). */
  notebookCluster = ''
): Promise<IRunChoice | null> {
  const last = recall(path);
  let form: IRunForm = {
    values: { ...(last.values ?? {}) },
    cache: last.cache ?? true,
    fromStep: last.fromStep && steps.includes(last.fromStep) ? last.fromStep : null,
    cluster: last.cluster ?? notebookCluster,
    dataUrl: last.dataUrl ?? ''
  };
  // forget values of parameters the notebook no longer has
  form.values = Object.fromEntries(Object.entries(form.values).filter(([k]) => params.some(p => p.name === k)));
  for (;;) {
    const result = await showDialog({
      title: `Run ${name}`,
      body: new RunForm(params, steps, form),
      buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Run' })]
    });
    if (!result.button.accept || !result.value) {
      return null;
    }
    form = result.value;
    if (
      Object.keys(formErrors(params, form.values)).length ||
      (form.fromStep && !form.cache) ||
      clusterProblem(form.cluster)
    ) {
      continue; // every error shows again under its field, the values as typed
    }
    remember(path, {
      ...form,
      values: Object.fromEntries(
        Object.entries(form.values).filter(([k]) => !params.some(p => p.secret && p.name === k))
      )
    });
    const parameters: Record<string, string> = {};
    for (const p of params) {
      const value = form.values[p.name] ?? asText(p);
      if (value !== asText(p)) {
        parameters[p.name] = value;
      }
    }
    // emptied while the notebook names a cluster: run here all the same
    const cluster = form.cluster || (notebookCluster ? 'local' : null);
    return { parameters, cache: form.cache, fromStep: form.fromStep, cluster, dataUrl: form.dataUrl || null };
  }
}
