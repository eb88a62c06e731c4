/**
 * Every notebook-ops command, registered in this one place with its palette entry, cell context
 * menu item and keyboard shortcut (the cell toolbar buttons come from the settings schema).
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { Dialog, ICommandPalette, MainAreaWidget, showDialog } from '@jupyterlab/apputils';
import { Cell } from '@jupyterlab/cells';
import type { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { MimeModel, type IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { IFrame } from '@jupyterlab/ui-components';
import { Menu } from '@lumino/widgets';
import type { TranslationBundle } from '@jupyterlab/translation';

import { dialogAfters } from './afters';
import { api } from './api';

import { CanvasModel } from './canvas';
import { freeFileName } from './canvasedits';
import { labCanvasFiles } from './canvasfiles';
import { FolderModel } from './folder';
import { PipelineModel } from './model';
import { cellLabel } from './format';
import { getTags, hasAfter, retagKale, Role, setTags, withoutPipelineTags, withRole, withStep } from './tags';
import { GraphTab } from './views/graphtab';
import { OPEN_GRAPH, pipelineIcon, RETAG_KALE, RUN_STALE } from './views/panel';
import { CanvasTab } from './views/canvas';
import { FolderView } from './views/folderview';
import { OPEN_STEP_NOTEBOOK } from './views/runview';
import { askStep } from './views/stepdialog';

export const CommandIDs = {
  makeStep: 'notebook-ops:make-step',
  parameters: 'notebook-ops:mark-parameters',
  setup: 'notebook-ops:mark-setup',
  skip: 'notebook-ops:mark-skip',
  clear: 'notebook-ops:clear-tags',
  openPanel: 'notebook-ops:open-panel',
  refresh: 'notebook-ops:refresh',
  runFolder: 'notebook-ops:run-folder',
  newCanvas: 'notebook-ops:new-canvas',
  openCanvas: 'notebook-ops:open-canvas',
  openBundleReadme: 'notebook-ops:open-bundle-readme'
} as const;

const CATEGORY = 'Notebook pipeline'; // translated where used
const CELL_SELECTOR = '.jp-Notebook .jp-Cell';
const COMMAND_MODE = '.jp-Notebook.jp-mod-commandMode :focus:not(:read-write)';
const FOLDER_ITEM = '.jp-DirListing-item[data-isdir="true"]';
const FILE_ITEM = '.jp-DirListing-item[data-isdir="false"]';
/** What the canvas opens: a pipeline file (model/pipelinefile.py), an Elyra pipeline. */
const CANVAS_FILE = /\.(ya?ml|pipeline)$/;

export interface ICommandContext {
  app: JupyterFrontEnd;
  tracker: INotebookTracker;
  modelFor: (panel: NotebookPanel) => PipelineModel | undefined;
  panelId: string;
  palette: ICommandPalette | null;
  /** The user's language for every label (ITranslator's bundle "notebook-ops"). */
  trans: TranslationBundle;
  /** The file browser whose folders "Run Folder as a Pipeline" takes (null: the command needs a path). */
  fileBrowser?: IDefaultFileBrowser | null;
  /** The MLflow UI runs link to ('' when unknown). */
  mlflowUrl?: () => string;
  /** Open a notebook at the first code cell of `cells` (a problem's cell). */
  openAt?: (path: string, cells: number[]) => void;
  /** Renders a bundle's README read-only (null: it opens as a Markdown document). */
  rendermime?: IRenderMimeRegistry | null;
}

/** A step name from the cell's first comment ("# Load the data" -> "load_the_data"). */
export function suggestName(source: string, taken: readonly string[]): string {
  const comment = /^\s*#+\s*(.+)$/m.exec(source);
  let base = comment
    ? comment[1]
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '_')
        .replace(/^_+|_+$/g, '')
        .slice(0, 30)
    : '';
  if (!/^[a-z_]/.test(base)) {
    base = '';
  }
  if (base && !taken.includes(base)) {
    return base;
  }
  for (let i = taken.length + 1; ; i++) {
    const name = `${base || 'step'}_${i}`;
    if (!taken.includes(name)) {
      return name;
    }
  }
}

/**
 * Change tags as one notebook-level edit, so "Z" (notebook undo) takes the change back, like
 * cutting or moving a cell.
 */
function editTags(panel: NotebookPanel, cells: Cell[], edit: (tags: string[]) => string[]): void {
  const apply = () => {
    for (const cell of cells) {
      setTags(cell.model, edit(getTags(cell.model)));
    }
  };
  const shared = panel.content.model?.sharedModel;
  if (shared) {
    shared.transact(apply);
  } else {
    apply();
  }
}

/** Give the keyboard back to the notebook (command mode), e.g. after a dialog closed. */
function refocus(panel: NotebookPanel): void {
  panel.content.mode = 'command';
  panel.content.activate();
  panel.content.node.focus();
}

function selectedCells(panel: NotebookPanel): Cell[] {
  const notebook = panel.content;
  const cells = notebook.widgets.filter(c => notebook.isSelectedOrActive(c));
  return cells.length ? cells : notebook.activeCell ? [notebook.activeCell] : [];
}

export function registerCommands(ctx: ICommandContext): void {
  const { app, tracker, trans } = ctx;
  const { commands } = app;
  const current = (): NotebookPanel | null => tracker.currentWidget;
  const enabled = () => !!current() && !!current()!.content.activeCell;
  /** What the server's view says the cell at `index` of the current notebook is. */
  const infoOf = (panel: NotebookPanel, index: number) => ctx.modelFor(panel)?.cells[index];
  const activeRole = (role: Role) => {
    const panel = current();
    return !!panel?.content.activeCell && infoOf(panel, panel.content.activeCellIndex)?.role === role;
  };

  const setRole = (role: Role) => async () => {
    const panel = current();
    if (!panel) {
      return;
    }
    const cells = selectedCells(panel);
    // A step's first cell loses its step: tag only when the user says so (its cells would
    // silently join the previous step).
    const steps = cells
      .map(c => infoOf(panel, panel.content.widgets.indexOf(c)))
      .filter(info => info?.starts)
      .map(info => ({ step: info!.step, index: info!.index }));
    if (steps.length) {
      const where = steps.map(s => `step "${s.step}" (${cellLabel(s.index)})`).join(', ');
      const result = await showDialog({
        title: trans.__('Make it the %1 cell?', role),
        body: trans.__(
          'This cell starts %1. As the %2 cell it stops being a step; its cells join the step above.',
          where,
          role
        ),
        buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: trans.__('Replace the step with %1', role) })]
      });
      refocus(panel);
      if (!result.button.accept) {
        return;
      }
    }
    // Pressing the same role again removes it (a toggle, like the toolbar buttons).
    editTags(panel, cells, tags => (tags.includes(role) ? withoutPipelineTags(tags) : withRole(tags, role)));
  };

  commands.addCommand(CommandIDs.makeStep, {
    label: args => (args.toolbar ? '' : trans.__('Make Step…')),
    caption: trans.__('Make this cell the start of a pipeline step (name, runs after)'),
    icon: args => (args.toolbar ? pipelineIcon : undefined),
    isEnabled: enabled,
    execute: async () => {
      const panel = current();
      const cell = panel?.content.activeCell;
      if (!panel || !cell) {
        return;
      }
      const model = ctx.modelFor(panel);
      const info = model?.cells[panel.content.activeCellIndex];
      const own = info?.starts ? info.step : null;
      const others = (model?.stepNames ?? []).filter(n => n !== own);
      // boxes as the tags spell them; the cell's own after: tags ticked (and kept when not offered)
      const { choices, ticked } = dialogAfters(
        model?.pipeline ?? null,
        own,
        getTags(cell.model),
        own ? info!.after : []
      );
      const choice = await askStep(
        { name: own ?? suggestName(cell.model.sharedModel.getSource(), others), after: ticked },
        choices,
        others,
        { steps: model?.pipeline?.steps ?? [], current: own }
      );
      refocus(panel);
      if (choice) {
        // a step that runs after the one above by default keeps doing so when its boxes stay as shown
        const kept = choice.after.length === ticked.length && choice.after.every(a => ticked.includes(a));
        const implicit = kept && !hasAfter(getTags(cell.model));
        const owned = choices.map(c => c.ref);
        editTags(panel, [cell], tags => withStep(tags, choice.name, implicit ? [] : choice.after, owned));
        void model?.refresh();
      }
    }
  });
  commands.addCommand(CommandIDs.parameters, {
    label: trans.__('Parameters Cell'),
    caption: trans.__("The pipeline's parameters (literal assignments; the comment after a value is its help)"),
    isEnabled: enabled,
    isToggled: () => activeRole('parameters'),
    execute: setRole('parameters')
  });
  commands.addCommand(CommandIDs.setup, {
    label: trans.__('Setup Cell'),
    caption: trans.__('Imports and helpers that run at the start of every step'),
    isEnabled: enabled,
    isToggled: () => activeRole('setup'),
    execute: setRole('setup')
  });
  commands.addCommand(CommandIDs.skip, {
    label: trans.__('Skip in Pipeline'),
    caption: trans.__('Never run this cell in a pipeline or a bundle (exploration, plots)'),
    isEnabled: enabled,
    isToggled: () => activeRole('skip'),
    execute: setRole('skip')
  });
  commands.addCommand(CommandIDs.clear, {
    label: trans.__('Remove Pipeline Tags'),
    caption: trans.__('Remove step, after, parameters, setup and skip tags from the selected cells'),
    isEnabled: enabled,
    execute: () => {
      const panel = current();
      if (panel) {
        editTags(panel, selectedCells(panel), withoutPipelineTags);
      }
    }
  });
  commands.addCommand(CommandIDs.openPanel, {
    label: trans.__('Show Pipeline Panel'),
    icon: pipelineIcon,
    execute: () => app.shell.activateById(ctx.panelId)
  });
  commands.addCommand(CommandIDs.refresh, {
    label: trans.__('Refresh Pipeline'),
    isEnabled: () => !!current(),
    execute: async () => {
      const panel = current();
      const model = panel ? ctx.modelFor(panel) : undefined;
      await model?.refresh();
    }
  });

  commands.addCommand(RUN_STALE, {
    label: trans.__('Run Stale Steps'),
    caption: trans.__('Save and run the pipeline: the stale steps run, the cache reuses the fresh ones'),
    isEnabled: () => {
      const panel = current();
      const model = panel ? ctx.modelFor(panel) : undefined;
      return !!model?.staleness?.stale.length && !model.runs.running;
    },
    execute: async () => {
      const panel = current();
      const model = panel ? ctx.modelFor(panel) : undefined;
      await model?.runStale();
    }
  });

  commands.addCommand(RETAG_KALE, {
    label: trans.__('Retag Kale Cells as step:/after:'),
    caption: trans.__("Rewrite Kale's block:/prev: tags as step:/after: in every cell (Z undoes it)"),
    isEnabled: () => !!current(),
    execute: () => {
      const panel = current();
      if (panel) {
        editTags(panel, [...panel.content.widgets], retagKale);
        refocus(panel);
      }
    }
  });

  commands.addCommand(OPEN_GRAPH, {
    label: trans.__('Open Pipeline Graph in a Tab'),
    icon: pipelineIcon,
    isEnabled: () => !!current(),
    execute: () => {
      const panel = current();
      const model = panel ? ctx.modelFor(panel) : undefined;
      if (!model) {
        return;
      }
      const id = `notebook-ops-graph-${model.panel.id}`;
      if (Array.from(app.shell.widgets('main')).some(w => w.id === id)) {
        app.shell.activateById(id);
        return;
      }
      const content = new GraphTab(model);
      const widget = new MainAreaWidget({ content });
      widget.id = id;
      widget.title.label = content.title.label;
      widget.title.caption = content.title.caption;
      widget.title.icon = pipelineIcon;
      widget.title.closable = true;
      model.panel.disposed.connect(() => widget.dispose());
      app.shell.add(widget, 'main', { mode: 'tab-after', ref: model.panel.id });
      app.shell.activateById(id);
    }
  });

  commands.addCommand(OPEN_STEP_NOTEBOOK, {
    label: args => trans.__('Open executed notebook of step %1', String(args.step ?? '')),
    execute: args => {
      const { path, runId, step } = args as { path: string; runId: string; step: string };
      const id = `notebook-ops-run-${runId}-${step}`;
      const open = Array.from(app.shell.widgets('main')).find(w => w.id === id);
      if (open) {
        app.shell.activateById(id);
        return;
      }
      // Executed notebooks live in the hidden run folder, so they are shown as a static page
      // rendered by the server (outputs included; sandboxed, no scripts).
      const frame = new IFrame({ sandbox: [] });
      frame.url = api.stepNotebookUrl(path, runId, step);
      const widget = new MainAreaWidget({ content: frame });
      widget.id = id;
      widget.title.label = `${step} · run ${runId.slice(-6)}`;
      widget.title.caption = `Executed notebook of step ${step}, run ${runId} (${path})`;
      widget.title.icon = pipelineIcon;
      widget.title.closable = true;
      widget.addClass('nbo-step-notebook');
      app.shell.add(widget, 'main', { mode: 'split-right' });
      app.shell.activateById(id);
    }
  });

  commands.addCommand(CommandIDs.openBundleReadme, {
    label: args => trans.__('Open the README of bundle %1', String(args.path ?? '')),
    execute: async args => {
      const path = String(args.path);
      const id = `notebook-ops-readme-${path}`;
      if (Array.from(app.shell.widgets('main')).some(w => w.id === id)) {
        app.shell.activateById(id);
        return;
      }
      if (!ctx.rendermime) {
        await commands.execute('docmanager:open', { path, factory: 'Markdown Preview' });
        return;
      }
      // Read, not opened as a document: a document gets a checkpoint beside it
      // (.ipynb_checkpoints/README-checkpoint.md), and an exported bundle stays as it was written.
      const file = await app.serviceManager.contents.get(path, { type: 'file', format: 'text', content: true });
      const renderer = ctx.rendermime.createRenderer('text/markdown');
      await renderer.renderModel(new MimeModel({ data: { 'text/markdown': String(file.content) } }));
      const widget = new MainAreaWidget({ content: renderer });
      widget.id = id;
      widget.title.label = path.split('/').slice(-2).join('/');
      widget.title.caption = `${path} (read-only: the bundle as exported)`;
      widget.title.icon = pipelineIcon;
      widget.title.closable = true;
      widget.addClass('nbo-bundle-readme');
      app.shell.add(widget, 'main');
      app.shell.activateById(id);
    }
  });

  /** The folder selected in the file browser (its server path), if one is. */
  const selectedFolder = (): string | null => {
    for (const item of ctx.fileBrowser?.selectedItems() ?? []) {
      return item.type === 'directory' ? item.path : null;
    }
    return null;
  };
  commands.addCommand(CommandIDs.runFolder, {
    label: trans.__('Run Folder as a Pipeline'),
    caption: trans.__(
      'The notebooks in this folder as a pipeline, in the order they hand each other files: see it, run it, write it out'
    ),
    icon: pipelineIcon,
    isVisible: args => typeof args.path === 'string' || selectedFolder() !== null,
    execute: args => {
      const path = typeof args.path === 'string' ? args.path : selectedFolder();
      if (path === null) {
        return;
      }
      const id = `notebook-ops-folder-${path}`;
      const shown = Array.from(app.shell.widgets('main')).find(w => w.id === id);
      if (shown instanceof MainAreaWidget && shown.content instanceof FolderView) {
        void shown.content.model.refresh();
        app.shell.activateById(id);
        return;
      }
      const open = (file: string) => void commands.execute('docmanager:open', { path: file });
      const model = new FolderModel(path, open, ctx.openAt);
      const content = new FolderView(model, commands, ctx.mlflowUrl);
      const widget = new MainAreaWidget({ content });
      widget.id = id;
      widget.title.label = content.title.label;
      widget.title.caption = content.title.caption;
      widget.title.icon = pipelineIcon;
      widget.title.closable = true;
      widget.disposed.connect(() => model.dispose());
      app.shell.add(widget, 'main');
      app.shell.activateById(id);
      void model.refresh();
    }
  });
  app.contextMenu.addItem({ command: CommandIDs.runFolder, selector: FOLDER_ITEM, rank: 20 });

  // the pipeline canvas (views/canvas.tsx) of a pipeline file: a new one, or one that exists
  const openCanvas = (path: string) => {
    const id = `notebook-ops-canvas-${path}`;
    const shown = Array.from(app.shell.widgets('main')).find(w => w.id === id);
    if (shown instanceof MainAreaWidget && shown.content instanceof CanvasTab) {
      void shown.content.model.refresh();
      app.shell.activateById(id);
      return shown.content;
    }
    const files = labCanvasFiles(app.serviceManager.contents, ctx.tracker, (file, cells) =>
      ctx.openAt ? ctx.openAt(file, cells) : void commands.execute('docmanager:open', { path: file })
    );
    const model = new CanvasModel(path, files);
    const content = new CanvasTab(model, commands, ctx.mlflowUrl);
    const widget = new MainAreaWidget({ content });
    widget.id = id;
    widget.title.label = content.title.label;
    widget.title.caption = content.title.caption;
    widget.title.icon = pipelineIcon;
    widget.title.closable = true;
    widget.disposed.connect(() => model.dispose());
    app.shell.add(widget, 'main');
    app.shell.activateById(id);
    void model.refresh();
    return content;
  };
  /** The file selected in the file browser (its server path), if one is. */
  const selectedFile = (): string | null => {
    for (const item of ctx.fileBrowser?.selectedItems() ?? []) {
      return item.type !== 'directory' ? item.path : null;
    }
    return null;
  };
  commands.addCommand(CommandIDs.newCanvas, {
    label: trans.__('New Pipeline Canvas'),
    caption: trans.__('Compose a pipeline on a graph: drop notebooks on it, draw edges between their steps'),
    icon: pipelineIcon,
    execute: async args => {
      const folder =
        typeof args.path === 'string' ? args.path : (selectedFolder() ?? ctx.fileBrowser?.model.path ?? '');
      const listing = await app.serviceManager.contents.get(folder, { content: true });
      const taken = ((listing.content as { path: string }[]) ?? []).map(item => item.path);
      return openCanvas(freeFileName(folder, taken));
    }
  });
  commands.addCommand(CommandIDs.openCanvas, {
    label: trans.__('Open as Pipeline Canvas'),
    caption: trans.__('The pipeline file as a graph to edit: drop notebooks, draw edges'),
    icon: pipelineIcon,
    isVisible: args => typeof args.path === 'string' || CANVAS_FILE.test(selectedFile() ?? ''),
    execute: args => {
      const path = typeof args.path === 'string' ? args.path : selectedFile();
      return path ? openCanvas(path) : undefined;
    }
  });
  app.contextMenu.addItem({ command: CommandIDs.newCanvas, selector: FOLDER_ITEM, rank: 21 });
  app.contextMenu.addItem({ command: CommandIDs.openCanvas, selector: FILE_ITEM, rank: 21 });

  const tagging = [CommandIDs.makeStep, CommandIDs.parameters, CommandIDs.setup, CommandIDs.skip, CommandIDs.clear];
  const keys: Record<string, string[]> = {
    [CommandIDs.makeStep]: ['P', 'S'],
    [CommandIDs.parameters]: ['P', 'P'],
    [CommandIDs.setup]: ['P', 'U'],
    [CommandIDs.skip]: ['P', 'K'],
    [CommandIDs.clear]: ['P', 'X']
  };
  for (const [command, sequence] of Object.entries(keys)) {
    commands.addKeyBinding({ command, keys: sequence, selector: COMMAND_MODE });
  }

  const submenu = new Menu({ commands });
  submenu.title.label = trans.__('Pipeline');
  submenu.title.icon = pipelineIcon;
  for (const command of tagging) {
    submenu.addItem({ command });
  }
  submenu.addItem({ type: 'separator' });
  submenu.addItem({ command: CommandIDs.openPanel });
  app.contextMenu.addItem({ type: 'submenu', submenu, selector: CELL_SELECTOR, rank: 0 });

  if (ctx.palette) {
    for (const command of [
      ...tagging,
      CommandIDs.openPanel,
      CommandIDs.refresh,
      OPEN_GRAPH,
      RETAG_KALE,
      CommandIDs.newCanvas,
      RUN_STALE
    ]) {
      ctx.palette.addItem({ command, category: trans.__(CATEGORY) });
    }
  }
}
