/**
 * The pipeline side panel. Follows the active notebook and renders its PipelineModel: the step
 * graph, problems, parameters, settings, and the actions the server supports (each action section
 * is shown only when its back end exists, so the panel never offers something that fails).
 *
 * The widget (PipelinePanel) holds what the lab gives it and decides what is watched: the shown
 * notebook's schedules and the remote runs are polled only while the panel is on screen. The
 * components only render the model, which fetches and polls (model.ts and its parts).
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import { LabIcon, ReactWidget } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import type { Message } from '@lumino/messaging';
import React, { useState } from 'react';

import { IFeatures, IPipeline } from '../api';
import { count, readiness, untagged } from '../format';
import { PipelineModel } from '../model';
import { RemoteRuns } from '../remoteruns';
import { runStaleLabel } from '../stale';
import { ExportSection } from './exportview';
import { useSignal } from './hooks';
import { Lanes, NotebooksLine } from './lanesview';
import { Parameters } from './parameters';
import { Problems } from './problems';
import { ModelsSection } from './modelsview';
import { RemoteRunsSection } from './remoteruns';
import { RunSection, startNotebookRun } from './runview';
import { ScheduleSection } from './scheduleview';
import { PanelHeader, Section } from './section';
import { Settings } from './settings';

/** Commands the panel's buttons run (registered in commands.ts). */
export const OPEN_GRAPH = 'notebook-ops:open-graph';
export const RETAG_KALE = 'notebook-ops:retag-kale';
export const RUN_STALE = 'notebook-ops:run-stale';

export const pipelineIcon = new LabIcon({
  name: 'notebook-ops:pipeline',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="16"><g class="jp-icon3" fill="#616161">' +
    '<rect x="9" y="2" width="6" height="5" rx="1"/><rect x="2" y="16" width="6" height="5" rx="1"/>' +
    '<rect x="16" y="16" width="6" height="5" rx="1"/>' +
    '<path d="M11.3 7h1.4v4H19a1 1 0 0 1 1 1v4h-1.4v-3.6H5.4V16H4v-4a1 1 0 0 1 1-1h6.3z"/></g></svg>'
});

/** What the lab gives the panel: commands, words, and the user's settings it reads when acting. */
export interface IPanelOptions {
  commands: CommandRegistry;
  trans: TranslationBundle;
  /** The MLflow tracking server's URL ('' when unknown). */
  mlflowUrl: () => string;
  /** The folder bundles are exported to. */
  outDir: () => string;
  /** "Host it here": start the scheduler service in this Jupyter server. */
  hostScheduler: () => Promise<void>;
}

export class PipelinePanel extends ReactWidget {
  constructor(private _options: IPanelOptions) {
    super();
    this.id = 'notebook-ops-panel';
    this.addClass('nbo-panel');
    this.title.icon = pipelineIcon;
    this.title.caption = _options.trans.__('Notebook pipeline');
  }

  /** The runs of deployed pipelines (server-wide, so the panel's, not a notebook's). */
  readonly remoteRuns = new RemoteRuns();

  get model(): PipelineModel | null {
    return this._model;
  }

  setModel(model: PipelineModel | null): void {
    if (model === this._model) {
      return;
    }
    // polls run only for the notebook the panel shows
    this._watch(false);
    this._model = model;
    this._watch(this.isVisible);
    this.update();
  }

  setFeatures(features: IFeatures | null): void {
    this._watch(false);
    this._features = features;
    this._watch(this.isVisible);
    this.update();
  }

  get features(): IFeatures | null {
    return this._features;
  }

  /** The user's settings (settings registry): export folder, tracking URI, hosted scheduler. */
  setSettings(settings: Record<string, unknown>): void {
    this._settings = settings;
    this.update();
  }

  get settings(): Record<string, unknown> {
    return this._settings;
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._watch(false);
    this.remoteRuns.dispose();
    super.dispose();
  }

  protected render(): JSX.Element {
    // keyed by the notebook: another notebook's panel starts from its own state (selection, forms)
    return (
      <PanelView
        key={this._model?.panel.id ?? ''}
        model={this._model}
        features={this._features}
        options={this._options}
        remoteRuns={this.remoteRuns}
      />
    );
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this._watch(true);
    this.update();
  }

  protected onBeforeHide(msg: Message): void {
    super.onBeforeHide(msg);
    this._watch(false);
  }

  /** Start (or stop) what the shown sections follow: the recent runs once, the polls. */
  private _watch(on: boolean): void {
    const features = this._features?.features;
    const model = this._model;
    if (on && model && features?.runs) {
      model.runs.loadRecentOnce();
    }
    if (model && features?.schedules) {
      if (on) {
        model.schedules.watch();
      } else {
        model.schedules.unwatch();
      }
    }
    if (on && model && features?.remote_runs) {
      this.remoteRuns.watch();
    } else {
      this.remoteRuns.unwatch();
    }
  }

  private _model: PipelineModel | null = null;
  private _features: IFeatures | null = null;
  private _settings: Record<string, unknown> = {};
}

interface IPanelViewProps {
  model: PipelineModel | null;
  features: IFeatures | null;
  options: IPanelOptions;
  remoteRuns: RemoteRuns;
}

/** The whole panel for one notebook's model; renders again when the model changes. */
function PanelView({ model, features, options, remoteRuns }: IPanelViewProps): JSX.Element {
  useSignal(model?.changed);
  const [selected, setSelected] = useState<string | null>(null);
  const trans = options.trans;
  if (!model) {
    return (
      <div className="nbo-empty-panel">
        <h2>{trans.__('Pipeline')}</h2>
        <p>
          {trans.__(
            'Open a notebook to see it as a pipeline: tag cells as steps from the cell toolbar, the cell menu or the command palette.'
          )}
        </p>
      </div>
    );
  }
  const pipeline = model.pipeline;
  const errors = pipeline?.problems.filter(p => p.severity === 'error').length ?? 0;
  const header = (
    <PanelHeader
      title={pipeline ? pipeline.name : trans.__('Pipeline')}
      path={model.path}
      summary={
        pipeline
          ? `${count(pipeline.steps.length, 'step')} · ${count(pipeline.parameters.length, 'parameter')} · ` +
            readiness(errors, model.runs.running)
          : model.busy
            ? trans.__('reading…')
            : ''
      }
    />
  );
  if (model.error) {
    return (
      <>
        {header}
        <div className="nbo-error" role="alert">
          {model.error}
        </div>
      </>
    );
  }
  if (!pipeline) {
    return (
      <>
        {header}
        <p className="nbo-empty">{trans.__('Reading the notebook…')}</p>
      </>
    );
  }
  const selectStep = (name: string) => {
    setSelected(name);
    model.selectStep(name);
  };
  const offered = features?.features;
  return (
    <>
      {header}
      <Steps
        model={model}
        pipeline={pipeline}
        options={options}
        selected={selected}
        onSelect={selectStep}
        canRun={!!offered?.runs}
      />
      <Problems
        problems={pipeline.problems}
        cellOf={p => model.problemCell(p)}
        onSelect={p => model.selectProblem(p)}
        onRetag={() => void options.commands.execute(RETAG_KALE)}
      />
      {offered && (offered.runs || offered.exports || offered.schedules || offered.remote_runs || offered.models) ? (
        <div className="nbo-actions">
          {offered.runs ? (
            <RunSection
              source={model}
              pipeline={pipeline}
              caption="Save the notebook and run it as a pipeline"
              start={() => startNotebookRun(model, pipeline)}
              commands={options.commands}
              mlflowUrl={options.mlflowUrl}
            />
          ) : null}
          {offered.exports ? (
            <ExportSection model={model} pipeline={pipeline} commands={options.commands} outDir={options.outDir} />
          ) : null}
          {offered.schedules ? (
            <ScheduleSection model={model} pipeline={pipeline} hostScheduler={options.hostScheduler} />
          ) : null}
          {offered.remote_runs ? <RemoteRunsSection runs={remoteRuns} /> : null}
          {offered.models ? <ModelsSection model={model} pipeline={pipeline} /> : null}
        </div>
      ) : null}
      <Parameters pipeline={pipeline} onSelectCell={cell => model.selectCell(cell)} />
      <Settings model={model} pipeline={pipeline} selected={selected} onSelectStep={setSelected} />
    </>
  );
}

interface IStepsProps {
  model: PipelineModel;
  pipeline: IPipeline;
  options: IPanelOptions;
  selected: string | null;
  onSelect: (step: string) => void;
  /** The server runs notebooks: the Run stale button is offered. */
  canRun: boolean;
}

/** The Steps section: the lanes graph, the notebooks it spans, how to make a step. */
function Steps({ model, pipeline, options, selected, onSelect, canRun }: IStepsProps): JSX.Element {
  const trans = options.trans;
  return (
    <Section title={trans.__('Steps')} cls="nbo-steps">
      {pipeline.steps.length ? (
        <>
          <div className="nbo-graph-tools">
            <button
              className="nbo-link nbo-open-graph"
              title={trans.__('Open the step graph with inputs and outputs in a main-area tab (zoom, pan, fit)')}
              onClick={() => void options.commands.execute(OPEN_GRAPH)}
            >
              {trans.__('Open as a tab')}
            </button>
            {canRun && model.staleness ? (
              <button
                className="jp-mod-styled nbo-button nbo-run-stale"
                disabled={!model.staleness.stale.length || model.runs.running}
                title={
                  model.staleness.stale.length
                    ? trans.__('Save and run the pipeline: the stale steps run, the cache reuses the others')
                    : trans.__('Every step is fresh: a run now reuses them all from the cache')
                }
                onClick={() => void options.commands.execute(RUN_STALE)}
              >
                {runStaleLabel(model.staleness)}
              </button>
            ) : null}
          </div>
          <NotebooksLine pipeline={pipeline} />
          {untagged(pipeline.steps) ? (
            <p className="nbo-help nbo-tag-hint">
              {trans.__('The whole notebook is one step for now. To make a step, select its first cell and press ')}
              <kbd>P</kbd> <kbd>S</kbd>
              {trans.__(' (or Make step… in the cell toolbar or the command palette).')}
            </p>
          ) : null}
          <Lanes
            pipeline={pipeline}
            colorOf={s => model.colorOf(s)}
            status={model.runStatus ?? undefined}
            problems={model.problemsByStep()}
            stale={model.staleSteps()}
            selected={selected}
            onSelect={s => onSelect(s.name)}
          />
        </>
      ) : (
        <p className="nbo-empty">{trans.__('No steps.')}</p>
      )}
    </Section>
  );
}
