/**
 * The pipeline side panel. Follows the active notebook and renders its PipelineModel: the step
 * graph, problems, parameters, settings, and the actions the server supports (each action view
 * is added only when its back end exists, so the panel never offers something that fails).
 * A ReactWidget: each change redraws what changed, so a field being typed in keeps its focus.
 */
import { LabIcon, ReactWidget } from '@jupyterlab/ui-components';
import type { TranslationBundle } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import type { Message } from '@lumino/messaging';
import { ReactElement } from 'react';

import { IFeatures, IPipeline, IProblem } from '../api';
import { count, readiness, untagged } from '../format';
import { PipelineModel } from '../model';
import { Child, fragment, h, section } from './react';
import { notebooksLine, renderLanes } from './lanesview';
import { parametersView } from './parameters';
import { problemsView } from './problems';
import { settingsView } from './settings';

/** Commands the panel's buttons run (registered in commands.ts). */
export const OPEN_GRAPH = 'notebook-ops:open-graph';
export const RETAG_KALE = 'notebook-ops:retag-kale';

export const pipelineIcon = new LabIcon({
  name: 'notebook-ops:pipeline',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="16"><g class="jp-icon3" fill="#616161">' +
    '<rect x="9" y="2" width="6" height="5" rx="1"/><rect x="2" y="16" width="6" height="5" rx="1"/>' +
    '<rect x="16" y="16" width="6" height="5" rx="1"/>' +
    '<path d="M11.3 7h1.4v4H19a1 1 0 0 1 1 1v4h-1.4v-3.6H5.4V16H4v-4a1 1 0 0 1 1-1h6.3z"/></g></svg>'
});

/** An action section (run, export, schedule) that renders for the current notebook. */
export interface IActionView {
  readonly id: string;
  render(model: PipelineModel, pipeline: IPipeline | null): Child;
  /** Stop what rendering started (a poll): the panel shows another notebook or is hidden. */
  release?(): void;
}

export class PipelinePanel extends ReactWidget {
  constructor(
    private _commands: CommandRegistry,
    private _trans: TranslationBundle
  ) {
    super();
    this.id = 'notebook-ops-panel';
    this.addClass('nbo-panel');
    this.title.icon = pipelineIcon;
    this.title.caption = _trans.__('Notebook pipeline');
    this.node.addEventListener('nbo-select-step', (e: Event) => {
      this._selectedStep = (e as CustomEvent).detail;
      this.update();
    });
  }

  get model(): PipelineModel | null {
    return this._model;
  }

  setModel(model: PipelineModel | null): void {
    if (model === this._model) {
      return;
    }
    this._model?.changed.disconnect(this._onChanged, this);
    // polls run only for the notebook the panel shows
    this._model?.schedules.unwatch();
    this._release();
    this._model = model;
    this._selectedStep = null;
    model?.changed.connect(this._onChanged, this);
    this.update();
  }

  setFeatures(features: IFeatures | null): void {
    this._features = features;
    this.update();
  }

  /** The user's settings (settings registry): export folder, tracking URI, hosted scheduler. */
  setSettings(settings: Record<string, unknown>): void {
    this._settings = settings;
    this.update();
  }

  get settings(): Record<string, unknown> {
    return this._settings;
  }

  get features(): IFeatures | null {
    return this._features;
  }

  addAction(view: IActionView): void {
    this._actions = [...this._actions.filter(a => a.id !== view.id), view];
    this.update();
  }

  protected render(): ReactElement {
    return fragment(...this._build());
  }

  protected onBeforeHide(msg: Message): void {
    super.onBeforeHide(msg);
    this._release();
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this.update();
  }

  private _release(): void {
    this._actions.forEach(a => a.release?.());
  }

  private _onChanged(): void {
    this.update();
  }

  private _build(): Child[] {
    const model = this._model;
    if (!model) {
      return [
        h(
          'div',
          { class: 'nbo-empty-panel' },
          h('h2', {}, this._trans.__('Pipeline')),
          h(
            'p',
            {},
            this._trans.__(
              'Open a notebook to see it as a pipeline: tag cells as steps from the cell toolbar, the cell menu or the command palette.'
            )
          )
        )
      ];
    }
    const pipeline = model.pipeline;
    const errors = pipeline?.problems.filter(p => p.severity === 'error').length ?? 0;
    const header = h(
      'header',
      { class: 'nbo-header' },
      h('h2', { class: 'nbo-title' }, pipeline ? pipeline.name : this._trans.__('Pipeline')),
      h('div', { class: 'nbo-subtitle', title: model.path }, model.path),
      h(
        'div',
        { class: 'nbo-summary' },
        pipeline
          ? `${count(pipeline.steps.length, 'step')} · ${count(pipeline.parameters.length, 'parameter')} · ` +
              readiness(errors, model.runs.running)
          : model.busy
            ? this._trans.__('reading…')
            : ''
      )
    );
    if (model.error) {
      return [header, h('div', { class: 'nbo-error', role: 'alert' }, model.error)];
    }
    if (!pipeline) {
      return [header, h('p', { class: 'nbo-empty' }, this._trans.__('Reading the notebook…'))];
    }
    const selectStep = (name: string) => {
      this._selectedStep = name;
      model.selectStep(name);
      this.update();
    };
    const graph = section(
      this._trans.__('Steps'),
      'nbo-steps',
      pipeline.steps.length
        ? [
            h(
              'div',
              { class: 'nbo-graph-tools' },
              h(
                'button',
                {
                  class: 'nbo-link nbo-open-graph',
                  title: this._trans.__(
                    'Open the step graph with inputs and outputs in a main-area tab (zoom, pan, fit)'
                  ),
                  onclick: () => void this._commands.execute(OPEN_GRAPH)
                },
                this._trans.__('Open as a tab')
              )
            ),
            notebooksLine(pipeline),
            untagged(pipeline.steps)
              ? h(
                  'p',
                  { class: 'nbo-help nbo-tag-hint' },
                  this._trans.__(
                    'The whole notebook is one step for now. To make a step, select its first cell and press '
                  ),
                  h('kbd', {}, 'P'),
                  ' ',
                  h('kbd', {}, 'S'),
                  this._trans.__(' (or Make step… in the cell toolbar or the command palette).')
                )
              : null,
            renderLanes(pipeline, {
              colorOf: s => model.colorOf(s),
              status: model.runStatus ?? undefined,
              problems: model.problemsByStep(),
              selected: this._selectedStep,
              onSelect: s => selectStep(s.name)
            })
          ]
        : h('p', { class: 'nbo-empty' }, this._trans.__('No steps.'))
    );
    const actions = this._actions.map(a => a.render(model, pipeline)).filter(n => n !== null && n !== undefined);
    return [
      header,
      graph,
      problemsView(pipeline.problems, {
        cellOf: p => model.problemCell(p),
        onSelect: (p: IProblem) => model.selectProblem(p),
        onRetag: () => void this._commands.execute(RETAG_KALE)
      }),
      ...(actions.length ? [h('div', { class: 'nbo-actions' }, actions)] : []),
      parametersView(pipeline, cell => model.selectCell(cell)),
      settingsView(model, pipeline, this._selectedStep)
    ];
  }

  private _model: PipelineModel | null = null;
  private _features: IFeatures | null = null;
  private _actions: IActionView[] = [];
  private _selectedStep: string | null = null;
  private _settings: Record<string, unknown> = {};
}
