/**
 * A folder of notebooks as a pipeline, in a main-area tab: the order inferred from what the
 * notebooks hand each other (why each comes where it does), the problems, the Run section the
 * panel shows for a notebook (the same RunView, following the folder's runs), and "Write
 * pipeline file" to edit the order. Renders the FolderModel; each change redraws what changed.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { ReactWidget } from '@jupyterlab/ui-components';
import type { ReactElement } from 'react';

import { count, readiness } from '../format';
import { FolderModel, fileName, linkLines } from '../folder';
import { askRun } from './paramdialog';
import { problemsView } from './problems';
import { Child, fragment, h, section } from './react';
import { RunView } from './runview';

export class FolderView extends ReactWidget {
  constructor(
    readonly model: FolderModel,
    private _runView: RunView
  ) {
    super();
    this.addClass('nbo-panel');
    this.addClass('nbo-folder-view');
    this.title.label = `Pipeline · ${model.name}/`;
    this.title.caption = `The notebooks in ${model.path}/ as a pipeline`;
    model.changed.connect(this.update, this);
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.model.changed.disconnect(this.update, this);
    super.dispose();
  }

  protected render(): ReactElement {
    return fragment(...this._build());
  }

  private _build(): Child[] {
    const model = this.model;
    const view = model.view;
    const pipeline = model.pipeline;
    const errors = pipeline?.problems.filter(p => p.severity === 'error').length ?? 0;
    const header = h(
      'header',
      { class: 'nbo-header' },
      h('h2', { class: 'nbo-title' }, pipeline?.name ?? model.name),
      h('div', { class: 'nbo-subtitle', title: model.path }, `${model.path}/`),
      h(
        'div',
        { class: 'nbo-summary' },
        view && pipeline
          ? `${count(view.notebooks.length, 'notebook')} · ${count(pipeline.steps.length, 'step')} · ` +
              readiness(errors, model.runs.running)
          : model.busy
            ? 'reading…'
            : ''
      )
    );
    if (model.error) {
      return [header, h('div', { class: 'nbo-error', role: 'alert' }, model.error)];
    }
    if (!view || !pipeline) {
      return [header, h('p', { class: 'nbo-empty' }, 'Reading the folder…')];
    }
    const order = section(
      'Order inferred from the folder',
      'nbo-folder-order',
      h(
        'p',
        { class: 'nbo-help' },
        'The notebooks run one after another in this order: each after the ones it gets files or names from, ties by the number its name starts with.'
      ),
      h(
        'ol',
        { class: 'nbo-folder-notebooks' },
        view.notebooks.map((nb, i) =>
          h(
            'li',
            { class: 'nbo-folder-notebook', 'data-notebook': fileName(nb.path) },
            h('span', { class: 'nbo-folder-index' }, String(i + 1)),
            h(
              'button',
              { class: 'nbo-link nbo-folder-open', title: `Open ${nb.path}`, onclick: () => model.open(nb.path) },
              fileName(nb.path)
            ),
            nb.steps.length
              ? h(
                  'span',
                  { class: 'nbo-folder-steps' },
                  nb.steps.map(step =>
                    h(
                      'span',
                      { class: 'nbo-folder-step', 'data-step': step },
                      h('span', { class: 'nbo-step-dot', style: `background:${model.colorOf(step)}` }),
                      step
                    )
                  )
                )
              : null,
            h(
              'ul',
              { class: 'nbo-folder-links' },
              linkLines(nb).map(line => h('li', { class: 'nbo-folder-link' }, line))
            )
          )
        )
      ),
      view.helpers.length
        ? h(
            'p',
            { class: 'nbo-help nbo-folder-helpers' },
            `Not steps (another notebook %runs them): ${view.helpers.map(fileName).join(', ')}`
          )
        : null
    );
    const write = section(
      'Pipeline file',
      'nbo-folder-file',
      h(
        'p',
        { class: 'nbo-help' },
        `Write this order as ${view.pipeline_file} to edit it (say, to let independent notebooks run in parallel), then run that file.`
      ),
      h(
        'div',
        { class: 'nbo-buttons' },
        h(
          'button',
          {
            class: 'jp-mod-styled nbo-button nbo-write-pipeline',
            title: `Write ${view.pipeline_file} and open it`,
            onclick: () => void model.writePipelineFile(confirmOverwrite)
          },
          'Write pipeline file'
        ),
        h(
          'button',
          {
            class: 'jp-mod-styled nbo-button nbo-refresh',
            title: 'Read the folder again',
            onclick: () => void model.refresh()
          },
          'Refresh'
        )
      ),
      model.written ? h('div', { class: 'nbo-help nbo-written' }, `wrote ${model.written}`) : null,
      model.writeError ? h('div', { class: 'nbo-error', role: 'alert' }, model.writeError) : null
    );
    const run = this._runView.section(model, pipeline, 'Run the notebooks of this folder as a pipeline', () =>
      this._start()
    );
    return [
      header,
      order,
      problemsView(pipeline.problems, {
        cellOf: p => p.cell ?? null,
        onSelect: p => model.selectProblem(p),
        subject: 'this folder'
      }),
      h('div', { class: 'nbo-actions' }, run),
      write
    ];
  }

  private async _start(): Promise<void> {
    const pipeline = this.model.pipeline;
    if (!pipeline) {
      return;
    }
    const choice = await askRun(
      this.model.path,
      pipeline.name,
      pipeline.parameters,
      pipeline.steps.map(s => s.name)
    );
    if (choice === null) {
      return;
    }
    await this.model.runs.start(choice.parameters, {
      cache: choice.cache,
      fromStep: choice.fromStep,
      cluster: choice.cluster,
      dataUrl: choice.dataUrl
    });
  }
}

async function confirmOverwrite(path: string): Promise<boolean> {
  const result = await showDialog({
    title: 'Replace the pipeline file?',
    body: `${path} exists (edited by hand, perhaps). Replace it with the order inferred from the folder?`,
    buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Replace' })]
  });
  return result.button.accept;
}
