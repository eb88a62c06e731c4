/**
 * The Run dialog: one field per parameter (checked against its type as you type), whether to
 * reuse cached step results, where to start, and where to run (this server, or a Dask cluster and
 * the data store its workers share). The last values given for a notebook are offered again next
 * time; a value that does not check keeps the dialog open with every error.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';

import { IParameter } from '../api';
import { checkParameter, clusterProblem } from '../format';
import { h } from './dom';

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

const remembered = (path: string) => `notebook-ops:run-form:${path}`;

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

class RunForm extends Widget implements Dialog.IBodyWidget<IRunForm> {
  constructor(
    private _params: IParameter[],
    steps: string[],
    form: IRunForm
  ) {
    super();
    this.addClass('nbo-params-form');
    this._inputs = _params.map(p =>
      h('input', {
        // a secret is typed unseen and never remembered (the server masks it everywhere)
        type: p.secret ? 'password' : 'text',
        autocomplete: p.secret ? 'off' : undefined,
        placeholder: p.secret ? 'secret: from the server environment when empty' : undefined,
        class: 'jp-mod-styled nbo-input',
        name: p.name,
        value: form.values[p.name] ?? asText(p),
        'aria-label': p.name,
        oninput: () => this._check()
      })
    );
    this._errors = _params.map(() => h('div', { class: 'nbo-field-error', role: 'alert' }));
    this._cache = h('input', {
      type: 'checkbox',
      class: 'nbo-run-cache',
      checked: form.cache,
      onchange: () => this._check()
    });
    this._fromHint = h('div', { class: 'nbo-field-error nbo-run-from-hint', role: 'alert' });
    this._cluster = h('input', {
      type: 'text',
      class: 'jp-mod-styled nbo-input nbo-mono nbo-run-cluster',
      value: form.cluster,
      placeholder: 'this server (or tcp://HOST:8786)',
      'aria-label': 'Dask cluster',
      oninput: () => this._check()
    });
    this._clusterError = h('div', { class: 'nbo-field-error nbo-run-cluster-error', role: 'alert' });
    this._from = h(
      'select',
      { class: 'jp-mod-styled nbo-run-from', 'aria-label': 'start from step', onchange: () => this._check() },
      h('option', { value: '', selected: !form.fromStep }, 'the first step (whole pipeline)'),
      steps.map(s => h('option', { value: s, selected: s === form.fromStep }, s))
    );
    const text = (cls: string, value: string, placeholder: string, label: string) =>
      h('input', {
        type: 'text',
        class: `jp-mod-styled nbo-input nbo-mono ${cls}`,
        value,
        placeholder,
        'aria-label': label
      });
    this._dataUrl = text('nbo-run-data-url', form.dataUrl, 's3://bucket/prefix', 'data store URL');
    this.node.append(
      _params.length
        ? h(
            'div',
            { class: 'nbo-form' },
            _params.map((p, i) =>
              h(
                'label',
                { class: 'nbo-field', 'data-parameter': p.name },
                h('span', { class: 'nbo-field-label' }, `${p.name} (${p.type})${p.help ? ' — ' + p.help : ''}`),
                this._inputs[i],
                this._errors[i]
              )
            )
          )
        : h('p', {}, 'This pipeline has no parameters.'),
      h(
        'div',
        { class: 'nbo-form nbo-run-options' },
        h(
          'label',
          { class: 'nbo-field nbo-inline' },
          this._cache,
          ' reuse cached step results (untick to run every step again)'
        ),
        h(
          'label',
          { class: 'nbo-field' },
          h('span', { class: 'nbo-field-label' }, 'start from'),
          this._from,
          this._fromHint
        ),
        h(
          'label',
          {
            class: 'nbo-field',
            title: 'Each step runs as a task on the cluster; it needs a data store its workers reach'
          },
          h('span', { class: 'nbo-field-label' }, 'Cluster (Dask scheduler address)'),
          this._cluster,
          this._clusterError
        ),
        h(
          'label',
          {
            class: 'nbo-field',
            title: 'Where steps exchange data on a cluster: s3://, gs://, az:// or a shared folder'
          },
          h('span', { class: 'nbo-field-label' }, "Data store URL (the cluster workers' shared store)"),
          this._dataUrl
        )
      )
    );
  }

  getValue(): IRunForm {
    const values: Record<string, string> = {};
    this._params.forEach((p, i) => (values[p.name] = this._inputs[i].value.trim()));
    return {
      values,
      cache: this._cache.checked,
      fromStep: this._from.value || null,
      cluster: this._cluster.value.trim(),
      dataUrl: this._dataUrl.value.trim()
    };
  }

  protected onAfterAttach(): void {
    this._check();
  }

  /** Show every error under its field, and keep Run disabled while there is one. */
  private _check(): void {
    const form = this.getValue();
    const errors = formErrors(this._params, form.values);
    // the steps before the start step give their results from the cache
    const fromNeedsCache = !!form.fromStep && !form.cache;
    this._fromHint.textContent = fromNeedsCache
      ? 'Starting from a step reuses the earlier steps\' cached results: keep "reuse cached step results" ticked.'
      : '';
    this._params.forEach((p, i) => {
      this._errors[i].textContent = errors[p.name] ?? '';
      this._inputs[i].classList.toggle('nbo-invalid', !!errors[p.name]);
    });
    const cluster = clusterProblem(form.cluster);
    this._clusterError.textContent = cluster;
    this._cluster.classList.toggle('nbo-invalid', !!cluster);
    const accept = this.node.closest('.jp-Dialog')?.querySelector<HTMLButtonElement>('.jp-mod-accept');
    if (accept) {
      accept.disabled = Object.keys(errors).length > 0 || fromNeedsCache || !!cluster;
    }
  }

  private _inputs: HTMLInputElement[];
  private _errors: HTMLElement[];
  private _cache: HTMLInputElement;
  private _from: HTMLSelectElement;
  private _cluster: HTMLInputElement;
  private _clusterError: HTMLElement;
  private _fromHint: HTMLElement;
  private _dataUrl: HTMLInputElement;
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
