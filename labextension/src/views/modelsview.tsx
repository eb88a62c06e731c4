/**
 * The "Models" section: the models this pipeline registered (nbo.log_model), each version with
 * where it came from, its run's metrics against the targets, what the run cost and whether the
 * promotion gate lets it through; the champion (any alias) marked; Promote through JupyterLab's
 * dialog, gated on the server as `notebook-ops models promote` is. Loaded when shown and again
 * when a run of the notebook ends (a run may register a version); shown once there is a model.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { ReactWidget } from '@jupyterlab/ui-components';
import React, { useCallback, useEffect, useRef, useState } from 'react';

import {
  api,
  ApiError,
  FINAL_STATUSES,
  IPipeline,
  ModelsResponse,
  ModelVersionView,
  RegisteredModelView
} from '../api';
import type { PipelineModel } from '../model';
import { costText, kpiOf, kpiSeries, lineageText, targetChecks, targetText, verdictText } from '../registry';
import { trend } from '../trend';
import { useSignal } from './hooks';
import { TrendSvg } from './trendplot';
import { Section } from './section';

const SHOWN = 5; // versions per model before "all versions"

interface IPromoteChoice {
  alias: string;
  why: string;
  force: boolean;
}

/** The Promote dialog's body: the alias, why, and (when the gate refuses) force. */
class PromoteForm extends ReactWidget implements Dialog.IBodyWidget<IPromoteChoice> {
  constructor(
    private _version: ModelVersionView,
    private _alias: string
  ) {
    super();
    this.addClass('nbo-promote-form');
    this._choice = { alias: _alias, why: '', force: false };
  }

  getValue(): IPromoteChoice {
    return { ...this._choice, alias: this._choice.alias.trim() };
  }

  protected render(): JSX.Element {
    const v = this._version;
    const gate = v.gate;
    return (
      <div className="nbo-form">
        <ul className="nbo-gate-reasons">
          {(gate?.reasons ?? []).map((r, i) => (
            <li key={i}>{r}</li>
          ))}
        </ul>
        <label className="nbo-field">
          <span className="nbo-field-label">alias</span>
          <input
            type="text"
            className="jp-mod-styled nbo-input nbo-promote-alias"
            defaultValue={this._alias}
            onChange={e => (this._choice.alias = e.target.value)}
          />
        </label>
        <label className="nbo-field">
          <span className="nbo-field-label">why (kept with the promotion)</span>
          <input
            type="text"
            className="jp-mod-styled nbo-input nbo-promote-why"
            onChange={e => (this._choice.why = e.target.value)}
          />
        </label>
        {gate && !gate.passed ? (
          <label className="nbo-field nbo-inline">
            <input
              type="checkbox"
              className="nbo-promote-force"
              onChange={e => (this._choice.force = e.target.checked)}
            />{' '}
            promote anyway (recorded as forced)
          </label>
        ) : null}
      </div>
    );
  }

  private _choice: IPromoteChoice;
}

/** The KPI across the model's versions (oldest first) with the target's line. */
function KpiTrend({ model }: { model: RegisteredModelView }): JSX.Element | null {
  const metric = kpiOf(model);
  if (!metric) {
    return null;
  }
  const { values, bound } = kpiSeries(model, metric);
  const geometry = trend(values, 120, 28, bound);
  if (!geometry) {
    return null;
  }
  return (
    <div className="nbo-model-kpi" data-metric={metric}>
      <span className="nbo-help">{`${metric} by version `}</span>
      <TrendSvg geometry={geometry} metric={metric} label={`${metric} by version`} />
    </div>
  );
}

interface IVersionProps {
  model: RegisteredModelView;
  v: ModelVersionView;
  costPerCpuHour: number | null;
  onPromote: (v: ModelVersionView) => void;
}

function VersionRow({ model, v, costPerCpuHour, onPromote }: IVersionProps): JSX.Element {
  const checks = targetChecks(v);
  const cost = costText(v, costPerCpuHour);
  const verdict = verdictText(v);
  return (
    <li className="nbo-model-version" data-model={model.name} data-version={v.version}>
      <div className="nbo-model-head">
        <strong>{`v${v.version}`}</strong>{' '}
        {v.aliases.map(a => (
          <span key={a} className="nbo-chip nbo-alias" data-alias={a}>
            {a}
          </span>
        ))}{' '}
        {v.status ? <span className={`nbo-status nbo-status-${v.status}`}>{v.status.replace('_', ' ')}</span> : null}{' '}
        {verdict ? (
          <span
            className={`nbo-gate ${v.gate?.passed ? 'nbo-gate-passed' : 'nbo-gate-refused'}`}
            title={(v.gate?.reasons ?? []).join('\n')}
          >
            {verdict}
          </span>
        ) : null}
        <button className="nbo-link nbo-promote" title="Point an alias at this version" onClick={() => onPromote(v)}>
          Promote…
        </button>
      </div>
      <div className="nbo-help nbo-model-lineage" title={lineageText(v)}>
        {lineageText(v)}
      </div>
      {checks.length ? (
        <ul className="nbo-targets">
          {checks.map(c => (
            <li
              key={c.metric}
              className={`nbo-target ${c.met ? 'nbo-target-met' : 'nbo-target-missed'}`}
              data-metric={c.metric}
            >
              {targetText(c)}
            </li>
          ))}
        </ul>
      ) : null}
      {cost ? <div className="nbo-help nbo-model-cost">{cost}</div> : null}
    </li>
  );
}

function ModelItem(props: {
  model: RegisteredModelView;
  costPerCpuHour: number | null;
  onPromote: (m: RegisteredModelView, v: ModelVersionView) => void;
}): JSX.Element {
  const { model } = props;
  const [all, setAll] = useState(false);
  const shown = all ? model.versions : model.versions.slice(0, SHOWN);
  const aliases = Object.entries(model.aliases);
  return (
    <li className="nbo-model" data-model={model.name}>
      <div className="nbo-model-head">
        <strong>{model.name}</strong>
        <span className="nbo-help">
          {` ${model.total_versions} version${model.total_versions === 1 ? '' : 's'}`}
          {aliases.length ? ' · ' + aliases.map(([a, n]) => `${a} = v${n}`).join(', ') : ' · no alias yet'}
        </span>
      </div>
      <KpiTrend model={model} />
      <ul className="nbo-model-versions">
        {shown.map(v => (
          <VersionRow
            key={v.version}
            model={model}
            v={v}
            costPerCpuHour={props.costPerCpuHour}
            onPromote={ver => props.onPromote(model, ver)}
          />
        ))}
      </ul>
      {model.versions.length > SHOWN && !all ? (
        <button className="nbo-link nbo-all-versions" onClick={() => setAll(true)}>
          {`all ${model.versions.length} versions`}
        </button>
      ) : null}
    </li>
  );
}

export interface IModelsSectionProps {
  model: PipelineModel;
  pipeline: IPipeline;
}

/** The section: fetches when shown, again when a run ends, and after a promotion. */
export function ModelsSection({ model, pipeline }: IModelsSectionProps): JSX.Element {
  useSignal(model.runs.changed);
  const [reply, setReply] = useState<ModelsResponse | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const name = pipeline.name;
  const load = useCallback(async () => {
    try {
      setReply(await api.models(model.path, name));
      setError(null);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    }
  }, [model, name]);
  useEffect(() => {
    void load();
  }, [load]);
  // a run that ends may have registered a version
  const current = model.runs.current;
  const ended = current && FINAL_STATUSES.includes(current.status) && !current.active ? current.run_id : null;
  const seen = useRef<string | null>(ended);
  useEffect(() => {
    if (ended && ended !== seen.current) {
      seen.current = ended;
      void load();
    }
  }, [ended, load]);

  const promote = async (m: RegisteredModelView, v: ModelVersionView): Promise<void> => {
    const alias = Object.keys(m.aliases)[0] ?? 'champion';
    const result = await showDialog({
      title: `Promote ${m.name} v${v.version}`,
      body: new PromoteForm(v, alias),
      buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Promote' })]
    });
    if (!result.button.accept || !result.value) {
      return;
    }
    try {
      const out = await api.promoteModel(
        model.path,
        m.name,
        v.version,
        result.value.alias,
        result.value.why,
        result.value.force
      );
      setNotice(
        out.promoted
          ? `${out.name} v${out.version} is now ${out.alias}`
          : `${out.name} v${out.version} not promoted to ${out.alias}: ${out.gate.reasons.join('; ')}`
      );
      await load();
    } catch (e) {
      setNotice(e instanceof ApiError ? e.message : String(e));
    }
  };

  if (!error && !reply?.models.length) {
    return <></>; // shown once the pipeline has registered a model (the docs teach log_model)
  }
  const cost = typeof pipeline.settings?.cost_per_cpu_hour === 'number' ? pipeline.settings.cost_per_cpu_hour : null;
  return (
    <Section title="Models" cls="nbo-models">
      {error ? (
        <div className="nbo-error" role="alert">
          {error}
        </div>
      ) : null}
      {notice ? (
        <div className="nbo-help nbo-promote-notice" role="status">
          {notice}
        </div>
      ) : null}
      {reply?.models.length ? (
        <ul className="nbo-model-list">
          {reply.models.map(m => (
            <ModelItem key={m.name} model={m} costPerCpuHour={cost} onPromote={(mm, v) => void promote(mm, v)} />
          ))}
        </ul>
      ) : null}
    </Section>
  );
}
