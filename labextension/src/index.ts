/**
 * notebook-ops for JupyterLab: tag cells as pipeline steps, see the pipeline live in a side
 * panel, and run, export and schedule it through the server extension.
 */
import { ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';

import { api, IFeatures } from './api';
import { registerCommands } from './commands';
import { PipelineModel } from './model';
import { CellDecorations } from './views/decorations';
import { PipelinePanel } from './views/panel';
import { ExportView } from './views/exportview';
import { RunView } from './views/runview';
import { ScheduleView } from './views/scheduleview';

const PLUGIN_ID = 'notebook-ops:plugin';

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'Tag notebook cells as pipeline steps; see, run, export and schedule the pipeline.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ICommandPalette, ILayoutRestorer, ISettingRegistry],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    settingRegistry: ISettingRegistry | null
  ) => {
    const models = new Map<NotebookPanel, PipelineModel>();
    const panel = new PipelinePanel();
    app.shell.add(panel, 'right', { rank: 600 });
    restorer?.add(panel, panel.id);

    tracker.widgetAdded.connect((_, notebook) => {
      const model = new PipelineModel(notebook);
      const decorations = new CellDecorations(notebook, model);
      models.set(notebook, model);
      notebook.disposed.connect(() => {
        decorations.dispose();
        model.dispose();
        models.delete(notebook);
        if (panel.model === model) {
          panel.setModel(null);
        }
      });
      if (tracker.currentWidget === notebook) {
        panel.setModel(model);
      }
    });
    tracker.currentChanged.connect((_, notebook) => {
      panel.setModel(notebook ? models.get(notebook) ?? null : null);
    });

    registerCommands({ app, tracker, modelFor: p => models.get(p), panelId: panel.id, palette });

    let settings: ISettingRegistry.ISettings | null = null;
    // The server extension may still be starting: ask a few times before giving up.
    const features = async (attempts = 5): Promise<IFeatures> => {
      try {
        return await api.features();
      } catch (error) {
        if (attempts <= 1) {
          throw error;
        }
        await new Promise(resolve => setTimeout(resolve, 2000));
        return features(attempts - 1);
      }
    };
    features()
      .then(features => {
        panel.setFeatures(features);
        // Offer an action only when the server has its back end.
        if (features.features.runs) {
          panel.addAction(new RunView(app.commands));
        }
        if (features.features.exports) {
          const outDir = () => String(panel.settings.exportFolder || 'dist');
          panel.addAction(new ExportView(app.commands, outDir));
        }
        if (features.features.schedules) {
          // "Host it here": start the service now and remember it in the user's settings.
          const host = async () => {
            await api.hostScheduler(true);
            if (settings) {
              await settings.set('hostScheduler', true);
            }
          };
          panel.addAction(new ScheduleView(host));
        }
      })
      .catch(error => console.warn('notebook-ops: the server extension is not available:', error));

    if (settingRegistry) {
      settingRegistry
        .load(PLUGIN_ID)
        .then(loaded => {
          settings = loaded;
          let hosted = loaded.composite.hostScheduler === true;
          panel.setSettings(loaded.composite as Record<string, unknown>);
          loaded.changed.connect(() => {
            panel.setSettings(loaded.composite as Record<string, unknown>);
            // The server reads the setting when it starts; a change applies at once.
            const next = loaded.composite.hostScheduler === true;
            if (next !== hosted && panel.features?.features.schedules) {
              hosted = next;
              api.hostScheduler(next).catch(error => console.warn('notebook-ops:', error));
            }
          });
        })
        .catch(error => console.warn('notebook-ops: cannot load settings', error));
    }
  }
};

export default plugin;
