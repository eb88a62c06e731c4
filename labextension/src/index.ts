/**
 * notebook-ops for JupyterLab: tag cells as pipeline steps, see the pipeline live in a side
 * panel, and run, export and schedule it through the server extension. Other extensions reach
 * each notebook's pipeline model through the INotebookOps token.
 */
import { ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { ISignal, Signal } from '@lumino/signaling';

import { api, IFeatures } from './api';
import { registerCommands } from './commands';
import { PipelineModel } from './model';
import { INotebookOps } from './token';
import { CellDecorations } from './views/decorations';
import { PipelinePanel } from './views/panel';

export { INotebookOps } from './token';

const PLUGIN_ID = 'notebook-ops:plugin';

/** The INotebookOps service: the open notebooks' models and the one the panel shows. */
class NotebookOps implements INotebookOps {
  constructor(
    private _models: Map<NotebookPanel, PipelineModel>,
    private _panel: PipelinePanel
  ) {}

  modelFor(panel: NotebookPanel): PipelineModel | undefined {
    return this._models.get(panel);
  }

  get current(): PipelineModel | null {
    return this._panel.model;
  }

  get currentChanged(): ISignal<this, PipelineModel | null> {
    return this._currentChanged;
  }

  /** Show `model` in the panel (null: none). */
  show(model: PipelineModel | null): void {
    if (this._panel.model !== model) {
      this._panel.setModel(model);
      this._currentChanged.emit(model);
    }
  }

  private _currentChanged = new Signal<this, PipelineModel | null>(this);
}

/** The server extension may still be starting: ask a few times before giving up. */
async function features(attempts = 5): Promise<IFeatures> {
  try {
    return await api.features();
  } catch (error) {
    if (attempts <= 1) {
      throw error;
    }
    await new Promise(resolve => setTimeout(resolve, 2000));
    return features(attempts - 1);
  }
}

const plugin: JupyterFrontEndPlugin<INotebookOps> = {
  id: PLUGIN_ID,
  description: 'Tag notebook cells as pipeline steps; see, run, export and schedule the pipeline.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ICommandPalette, ILayoutRestorer, ISettingRegistry, ITranslator, IDefaultFileBrowser, IRenderMimeRegistry],
  provides: INotebookOps,
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    settingRegistry: ISettingRegistry | null,
    translator: ITranslator | null,
    fileBrowser: IDefaultFileBrowser | null,
    rendermime: IRenderMimeRegistry | null
  ): INotebookOps => {
    const trans = (translator ?? nullTranslator).load('notebook-ops');
    const models = new Map<NotebookPanel, PipelineModel>();
    let settings: ISettingRegistry.ISettings | null = null;
    const setting = (key: string) => (settings?.composite as Record<string, unknown> | undefined)?.[key];
    let serverMlflowUrl = '';
    // the user's setting, else the server's c.NotebookOps.mlflow_ui_url
    const mlflowUrl = () => String(setting('mlflowUrl') || serverMlflowUrl || '');
    // "Host it here": start the service now and remember it in the user's settings.
    const hostScheduler = async () => {
      await api.hostScheduler(true);
      if (settings) {
        await settings.set('hostScheduler', true);
      }
    };
    const panel = new PipelinePanel({
      commands: app.commands,
      trans,
      mlflowUrl,
      outDir: () => String(setting('exportFolder') || 'dist'),
      hostScheduler
    });
    app.shell.add(panel, 'right', { rank: 600 });
    restorer?.add(panel, panel.id);
    const ops = new NotebookOps(models, panel);
    const show = (model: PipelineModel | null) => ops.show(model);

    // a step of another notebook of the pipeline: open that notebook, select the step's code;
    // the panel keeps the whole pipeline it showed (that notebook's own is a part of it)
    const openStep = async (path: string, cells: number[]) => {
      const shown = ops.current;
      const widget = await app.commands.execute('docmanager:open', { path });
      if (widget instanceof NotebookPanel) {
        await widget.context.ready;
        await widget.revealed;
        const other = models.get(widget);
        const cell = other?.firstCodeOf(cells);
        if (other && cell !== null && cell !== undefined) {
          other.selectCell(cell);
        }
        if (shown && !shown.isDisposed && shown !== other && shown.spans(widget.context.path)) {
          show(shown);
        }
      }
    };
    // a notebook saved (by its editor, the canvas, anyone through the Contents API): the
    // pipelines that span it are read again, so the panel follows tags changed in any of them
    app.serviceManager.contents.fileChanged.connect((_, change) => {
      const path = change.type === 'delete' ? change.oldValue?.path : change.newValue?.path;
      if (!path) {
        return;
      }
      for (const model of models.values()) {
        if (model.spans(path)) {
          model.reread();
        }
      }
    });
    tracker.widgetAdded.connect((_, notebook) => {
      const model = new PipelineModel(notebook, undefined, (path, cells) => void openStep(path, cells));
      const decorations = new CellDecorations(notebook, model);
      models.set(notebook, model);
      // everything a notebook holds (polls, drafts, timers) goes when it closes
      notebook.disposed.connect(() => {
        if (panel.model === model) {
          show(null);
        }
        decorations.dispose();
        model.dispose();
        models.delete(notebook);
      });
      if (tracker.currentWidget === notebook) {
        show(model);
      }
    });
    tracker.currentChanged.connect((_, notebook) => {
      show(notebook ? (models.get(notebook) ?? null) : null);
    });

    registerCommands({
      app,
      tracker,
      modelFor: p => models.get(p),
      panelId: panel.id,
      palette,
      trans,
      fileBrowser,
      mlflowUrl,
      openAt: (path, cells) => void openStep(path, cells),
      rendermime
    });

    features()
      .then(features => {
        serverMlflowUrl = features.mlflow_ui_url || '';
        // the panel offers an action only when the server has its back end
        panel.setFeatures(features);
      })
      .catch(error => console.warn('notebook-ops: the server extension is not available:', error));

    if (settingRegistry) {
      Promise.all([settingRegistry.load(PLUGIN_ID), app.restored])
        .then(async ([loaded]) => {
          settings = loaded;
          panel.setSettings(loaded.composite as Record<string, unknown>);
          // The user's "host the scheduler" applies when the lab opens and whenever it changes;
          // the server's own switch is c.NotebookOps.host_scheduler.
          let hosted = false;
          const apply = async () => {
            const wanted = loaded.composite.hostScheduler === true;
            if (wanted === hosted) {
              return;
            }
            hosted = wanted;
            const f = await features();
            if (f.features.schedules && (wanted || (await api.scheduler()).hosted)) {
              await api.hostScheduler(wanted);
            }
          };
          loaded.changed.connect(() => {
            panel.setSettings(loaded.composite as Record<string, unknown>);
            apply().catch(error => console.warn('notebook-ops:', error));
          });
          if (loaded.composite.hostScheduler === true) {
            await apply();
          }
        })
        .catch(error => console.warn('notebook-ops: cannot load settings', error));
    }

    return ops;
  }
};

export default plugin;
