/**
 * A folder of notebooks as a pipeline, in a main-area tab: the order inferred from what the
 * notebooks hand each other (why each comes where it does), the problems, the Run section the
 * panel shows for a notebook (the same RunSection, following the folder's runs), and "Write
 * pipeline file" to edit the order. Renders the FolderModel, which fetches (folder.ts).
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { ReactWidget } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import React from 'react';

import { IFolderView } from '../api';
import { count, readiness } from '../format';
import { FolderModel, fileName, linkLines } from '../folder';
import { useSignal } from './hooks';
import { askRun } from './paramdialog';
import { Problems } from './problems';
import { RunSection } from './runview';
import { PanelHeader, Section } from './section';

export class FolderView extends ReactWidget {
  constructor(
    readonly model: FolderModel,
    private _commands: CommandRegistry,
    private _mlflowUrl: () => string = () => ''
  ) {
    super();
    this.addClass('nbo-panel');
    this.addClass('nbo-folder-view');
    this.title.label = `Pipeline · ${model.name}/`;
    this.title.caption = `The notebooks in ${model.path}/ as a pipeline`;
    model.runs.loadRecentOnce();
  }

  protected render(): JSX.Element {
    return <FolderPanel model={this.model} commands={this._commands} mlflowUrl={this._mlflowUrl} />;
  }
}

interface IFolderPanelProps {
  model: FolderModel;
  commands: CommandRegistry;
  mlflowUrl: () => string;
}

/** The folder's pipeline; renders again when the model changes. */
function FolderPanel({ model, commands, mlflowUrl }: IFolderPanelProps): JSX.Element {
  useSignal(model.changed);
  const view = model.view;
  const pipeline = model.pipeline;
  const errors = pipeline?.problems.filter(p => p.severity === 'error').length ?? 0;
  const header = (
    <PanelHeader
      title={pipeline?.name ?? model.name}
      path={model.path}
      subtitle={`${model.path}/`}
      summary={
        view && pipeline
          ? `${count(view.notebooks.length, 'notebook')} · ${count(pipeline.steps.length, 'step')} · ` +
            readiness(errors, model.runs.running)
          : model.busy
            ? 'reading…'
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
  if (!view || !pipeline) {
    return (
      <>
        {header}
        <p className="nbo-empty">Reading the folder…</p>
      </>
    );
  }
  const start = async () => {
    const choice = await askRun(
      model.path,
      pipeline.name,
      pipeline.parameters,
      pipeline.steps.map(s => s.name)
    );
    if (choice !== null) {
      await model.runs.start(choice.parameters, {
        cache: choice.cache,
        fromStep: choice.fromStep,
        cluster: choice.cluster,
        dataUrl: choice.dataUrl
      });
    }
  };
  return (
    <>
      {header}
      <FolderOrder model={model} view={view} />
      <Problems
        problems={pipeline.problems}
        cellOf={p => p.cell ?? null}
        onSelect={p => model.selectProblem(p)}
        subject="this folder"
      />
      <div className="nbo-actions">
        <RunSection
          source={model}
          pipeline={pipeline}
          caption="Run the notebooks of this folder as a pipeline"
          start={start}
          commands={commands}
          mlflowUrl={mlflowUrl}
        />
      </div>
      <PipelineFile model={model} view={view} />
    </>
  );
}

/** The notebooks in the order they run, each with its steps and why it comes there. */
function FolderOrder({ model, view }: { model: FolderModel; view: IFolderView }): JSX.Element {
  return (
    <Section title="Order inferred from the folder" cls="nbo-folder-order">
      <p className="nbo-help">
        The notebooks run one after another in this order: each after the ones it gets files or names from, ties by the
        number its name starts with.
      </p>
      <ol className="nbo-folder-notebooks">
        {view.notebooks.map((nb, i) => (
          <li key={nb.path} className="nbo-folder-notebook" data-notebook={fileName(nb.path)}>
            <span className="nbo-folder-index">{String(i + 1)}</span>
            <button className="nbo-link nbo-folder-open" title={`Open ${nb.path}`} onClick={() => model.open(nb.path)}>
              {fileName(nb.path)}
            </button>
            {nb.steps.length ? (
              <span className="nbo-folder-steps">
                {nb.steps.map(step => (
                  <span key={step} className="nbo-folder-step" data-step={step}>
                    <span className="nbo-step-dot" style={{ background: model.colorOf(step) }} />
                    {step}
                  </span>
                ))}
              </span>
            ) : null}
            <ul className="nbo-folder-links">
              {linkLines(nb).map((line, k) => (
                <li key={k} className="nbo-folder-link">
                  {line}
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ol>
      {view.helpers.length ? (
        <p className="nbo-help nbo-folder-helpers">
          {`Not steps (another notebook %runs them): ${view.helpers.map(fileName).join(', ')}`}
        </p>
      ) : null}
    </Section>
  );
}

/** Write the order as a pipeline file to edit; read the folder again. */
function PipelineFile({ model, view }: { model: FolderModel; view: IFolderView }): JSX.Element {
  return (
    <Section title="Pipeline file" cls="nbo-folder-file">
      <p className="nbo-help">
        {`Write this order as ${view.pipeline_file} to edit it (say, to let independent notebooks run in parallel), then run that file.`}
      </p>
      <div className="nbo-buttons">
        <button
          className="jp-mod-styled nbo-button nbo-write-pipeline"
          title={`Write ${view.pipeline_file} and open it`}
          onClick={() => void model.writePipelineFile(confirmOverwrite)}
        >
          Write pipeline file
        </button>
        <button
          className="jp-mod-styled nbo-button nbo-refresh"
          title="Read the folder again"
          onClick={() => void model.refresh()}
        >
          Refresh
        </button>
      </div>
      {model.written ? <div className="nbo-help nbo-written">{`wrote ${model.written}`}</div> : null}
      {model.writeError ? (
        <div className="nbo-error" role="alert">
          {model.writeError}
        </div>
      ) : null}
    </Section>
  );
}

async function confirmOverwrite(path: string): Promise<boolean> {
  const result = await showDialog({
    title: 'Replace the pipeline file?',
    body: `${path} exists (edited by hand, perhaps). Replace it with the order inferred from the folder?`,
    buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Replace' })]
  });
  return result.button.accept;
}
