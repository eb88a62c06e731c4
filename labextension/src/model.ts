/**
 * One model per open notebook: what its cells mean as a pipeline, kept current as the user types.
 *
 * Everything, each cell's role included, comes from the server's pipeline view, which is sent
 * the unsaved notebook after a short pause: the lab reads no tag grammar of its own. The side
 * panel and the cell decorations only render this model.
 */
import { NotebookPanel } from '@jupyterlab/notebook';
import type { PartialJSONValue } from '@lumino/coreutils';
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { api, ApiError, IPipeline, IPipelineSettings, IProblem, IStep } from './api';
import { NotebookExports } from './exports';
import { otherNotebook, openPath } from './notebooks';
import { NotebookRuns } from './runs';
import { NotebookSchedules } from './schedules';
import { stepColors } from './colors';
import { cellInfos, ICellInfo } from './cells';
import { rememberedValues } from './runform';
import { IStaleness, IStepStaleness, staleSteps } from './stale';
import { saveFirst } from './savefirst';

export type { ICellInfo } from './cells';

export class PipelineModel implements IDisposable {
  constructor(
    readonly panel: NotebookPanel,
    private _delay = 400,
    /** Opens another notebook of the pipeline (server path) and selects the first code cell of `cells`. */
    private _openStep?: (path: string, cells: number[]) => void
  ) {
    this.runs.changed.connect(this._onRunsChanged, this);
    this.exports.changed.connect(() => this._changed.emit(), this);
    this.schedules.changed.connect(() => this._changed.emit(), this);
    panel.context.ready.then(() => {
      if (this._disposed) {
        return;
      }
      panel.context.model.contentChanged.connect(this._onContentChanged, this);
      this._onContentChanged();
      void this.exports.resume(); // a proof still running since before a reload
    });
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get path(): string {
    return this.panel.context.localPath;
  }

  get pipeline(): IPipeline | null {
    return this._pipeline;
  }

  /** The server's message when the notebook could not be read as a pipeline. */
  get error(): string | null {
    return this._error;
  }

  get cells(): ICellInfo[] {
    return this._cells;
  }

  /** The pipeline's step names. */
  get stepNames(): string[] {
    return this._pipeline?.steps.map(s => s.name) ?? [];
  }

  get settings(): IPipelineSettings {
    const value = this.panel.context.model.getMetadata('notebook_ops');
    return value && typeof value === 'object' ? (value as IPipelineSettings) : {};
  }

  /** A step's colour: the same in every view of the lab (colors.ts stepColors). */
  colorOf(step: string): string {
    const names = this.stepNames;
    return stepColors.colorIn(names, step);
  }

  /**
   * Step name -> status of the run shown in the panel; null when none, or when the steps have
   * changed since that run (its statuses would sit on the wrong graph).
   */
  get runStatus(): Record<string, string> | null {
    const status = this.runs.stepStatus;
    if (!status || !this._pipeline) {
      return status;
    }
    const now = this._pipeline.steps.map(s => s.name).sort();
    const then = Object.keys(status).sort();
    return now.length === then.length && now.every((n, i) => n === then[i]) ? status : null;
  }

  /**
   * Which steps a run now would run again, asked with every pipeline read of the edited
   * notebook and after every run (null: not known, e.g. the pipeline has errors).
   */
  get staleness(): IStaleness | null {
    return this._staleness;
  }

  /** Step name -> its verdict, for the stale and never-run steps (the graph and cells mark them). */
  staleSteps(): Map<string, IStepStaleness> {
    return this._staleSteps;
  }

  /**
   * Run the stale steps: save, then run the pipeline with the cache, which reuses the fresh
   * steps (the same verdict: the server asks the cache). The marks clear when it has finished.
   */
  async runStale(): Promise<void> {
    if (this.panel.context.model.dirty) {
      await saveFirst(this.panel.context);
    }
    await this.runs.start(this._nextRunValues(), { cache: true });
  }

  /** The values the Run dialog would send now: its remembered ones, for this pipeline's parameters. */
  private _nextRunValues(): Record<string, string> {
    const names = new Set((this._pipeline?.parameters ?? []).filter(p => !p.secret).map(p => p.name));
    return Object.fromEntries(Object.entries(rememberedValues(this.path)).filter(([k]) => names.has(k)));
  }

  /** Ask which steps are stale for the notebook as it is now (after a run, or from tests). */
  async refreshStale(): Promise<void> {
    await this._askStale(this._content(), this._ticket);
    this._changed.emit();
  }

  /** Step name -> messages of its errors and warnings (the graph marks those steps). */
  problemsByStep(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const p of this._pipeline?.problems ?? []) {
      if (p.step && p.severity !== 'info') {
        out.set(p.step, [...(out.get(p.step) ?? []), p.message]);
      }
    }
    return out;
  }

  /** The first code cell of a step (its `step:` cell may be a markdown title). */
  firstCodeCell(step: string): number | null {
    return this.firstCodeOf(this._pipeline?.steps.find(s => s.name === step)?.cells ?? []);
  }

  /** The first code cell among `cells` of this notebook (else the first of them). */
  firstCodeOf(cells: number[]): number | null {
    const model = this.panel.context.model.cells;
    const code = cells.find(i => i < model.length && model.get(i).type === 'code');
    return code ?? cells[0] ?? null;
  }

  /** Where a problem is to be seen: a step's problem on a markdown cell moves to its code. */
  problemCell(problem: IProblem): number | null {
    if (this._otherStep(problem.step)) {
      return problem.cell; // a cell of that other notebook
    }
    if (problem.cell === null) {
      return problem.step ? this.firstCodeCell(problem.step) : null;
    }
    const model = this.panel.context.model.cells;
    const onMarkdown = problem.cell < model.length && model.get(problem.cell).type !== 'code';
    return onMarkdown && problem.step ? (this.firstCodeCell(problem.step) ?? problem.cell) : problem.cell;
  }

  /** Select where a problem is: here, or in the notebook of its step when another one's. */
  selectProblem(problem: IProblem): void {
    const other = this._otherStep(problem.step);
    if (other) {
      this._openStep?.(other.path, problem.cell === null ? other.step.cells : [problem.cell]);
      return;
    }
    const cell = this.problemCell(problem);
    if (cell !== null) {
      this.selectCell(cell);
    }
  }

  /**
   * Select the cell a step failed in (`cell`: its 0-based index in the step's notebook, as the
   * run records it), opening the step's notebook when another one's.
   */
  selectFailedCell(step: string, cell: number): void {
    const other = this._otherStep(step);
    if (other) {
      this._openStep?.(other.path, [cell]);
      return;
    }
    this.selectCell(cell);
  }

  /** Select the step's first code cell in the notebook, opening its notebook when another one's. */
  selectStep(step: string): void {
    const other = this._otherStep(step);
    if (other) {
      this._openStep?.(other.path, other.step.cells);
      return;
    }
    const cell = this.firstCodeCell(step);
    if (cell !== null) {
      this.selectCell(cell);
    }
  }

  /** Runs of this notebook (started here or found in its run folder). */
  readonly runs = new NotebookRuns(() => this.path);

  /** Bundles exported from the panel. */
  readonly exports = new NotebookExports(() => this.path);

  /** Cron schedules on this notebook. */
  readonly schedules = new NotebookSchedules(() => this.path);

  /** Write `metadata.notebook_ops` (undefined values remove keys). */
  updateSettings(patch: Partial<IPipelineSettings>): void {
    // edited key by key: the schema's type has no string index
    const next: Record<string, unknown> = { ...this.settings };
    for (const [key, value] of Object.entries(patch)) {
      const empty =
        value === undefined ||
        value === '' ||
        (typeof value === 'object' && value !== null && Object.keys(value).length === 0);
      if (empty) {
        delete next[key];
      } else {
        next[key] = value;
      }
    }
    if (Object.keys(next).length) {
      this.panel.context.model.setMetadata('notebook_ops', next as PartialJSONValue);
    } else {
      this.panel.context.model.deleteMetadata('notebook_ops');
    }
    // the settings the views show changed now; the pipeline is re-read after the usual pause
    this._changed.emit();
  }

  /** Select and show cell `index` in the notebook. */
  selectCell(index: number): void {
    const notebook = this.panel.content;
    if (index < 0 || index >= notebook.widgets.length) {
      return;
    }
    notebook.mode = 'command';
    notebook.deselectAll();
    notebook.activeCellIndex = index;
    void notebook.scrollToItem(index, 'center');
    notebook.activate();
  }

  /** Ask the server now (also used by tests and the Refresh button). */
  async refresh(): Promise<void> {
    window.clearTimeout(this._timer);
    const content = this._content();
    const key = JSON.stringify(content);
    if (key === this._sentKey && (this._pipeline || this._error)) {
      return;
    }
    this._sentKey = key;
    const ticket = ++this._ticket;
    this._busy = true;
    try {
      const pipeline = await api.inspect(this.path, content);
      if (ticket === this._ticket) {
        this._pipeline = pipeline;
        this._cells = cellInfos(pipeline);
        this._error = null;
        // the stale marks follow the same read; the graph does not wait for them
        void this._askStale(content, ticket, pipeline).then(() => {
          if (ticket === this._ticket) {
            this._changed.emit();
          }
        });
      }
    } catch (error) {
      if (ticket === this._ticket) {
        this._error = error instanceof ApiError ? error.message : String(error);
        this._pipeline = null;
        this._cells = [];
        this._setStaleness(null);
        this._sentKey = '';
      }
    } finally {
      if (ticket === this._ticket) {
        this._busy = false;
        this._changed.emit();
      }
    }
  }

  /**
   * Read again after another notebook of the pipeline changed on disk (its tags: the composed
   * graph changes though this notebook did not).
   */
  reread(): void {
    this._sentKey = '';
    this._onContentChanged();
  }

  /** The pipeline spans the notebook at `path` (a server path), besides this one. */
  spans(path: string): boolean {
    return path !== this.path && (this._pipeline?.notebooks ?? []).includes(path);
  }

  get busy(): boolean {
    return this._busy;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    window.clearTimeout(this._timer);
    this.runs.dispose();
    this.exports.dispose();
    this.schedules.dispose();
    Signal.clearData(this);
  }

  /** The stale verdict for `content`, kept unless a newer read started meanwhile. */
  private async _askStale(content: unknown, ticket: number, pipeline = this._pipeline): Promise<void> {
    if (!pipeline || pipeline.problems.some(p => p.severity === 'error') || !pipeline.steps.length) {
      this._setStaleness(null); // a pipeline with errors does not run: nothing to say
      return;
    }
    try {
      const view = await api.staleSteps(this.path, content, this._nextRunValues());
      if (ticket === this._ticket) {
        this._setStaleness(view);
      }
    } catch {
      if (ticket === this._ticket) {
        this._setStaleness(null); // the marks are a hint: a failure only hides them
      }
    }
  }

  private _setStaleness(view: IStaleness | null): void {
    this._staleness = view;
    this._staleSteps = staleSteps(view);
  }

  /** A run that has just ended changes what is stale: ask again. */
  private _onRunsChanged(): void {
    const running = this.runs.running;
    if (this._runWasOn && !running) {
      void this.refreshStale();
    }
    this._runWasOn = running;
    this._changed.emit();
  }

  private _onContentChanged(): void {
    window.clearTimeout(this._timer);
    this._timer = window.setTimeout(() => void this.refresh(), this._delay);
  }

  /** The notebook as the model needs it: no outputs (they can be large and do not matter). */
  private _content(): unknown {
    const nb = this.panel.context.model.toJSON() as unknown as { cells?: Record<string, unknown>[] };
    for (const cell of nb.cells ?? []) {
      if (cell.cell_type === 'code') {
        cell.outputs = [];
        cell.execution_count = null;
      }
      delete cell.attachments;
    }
    return nb;
  }

  /** The step and the server path of its notebook, when the step comes from another notebook. */
  private _otherStep(name: string | null | undefined): { step: IStep; path: string } | null {
    const step = name ? this._pipeline?.steps.find(s => s.name === name) : undefined;
    const other = step && this._pipeline ? otherNotebook(this._pipeline, step) : null;
    return step && other ? { step, path: openPath(this.path, other) } : null;
  }

  private _changed = new Signal<this, void>(this);
  private _pipeline: IPipeline | null = null;
  private _error: string | null = null;
  private _cells: ICellInfo[] = [];
  private _staleness: IStaleness | null = null;
  private _staleSteps = new Map<string, IStepStaleness>();
  private _runWasOn = false;
  private _timer = 0;
  private _ticket = 0;
  private _sentKey = '';
  private _busy = false;
  private _disposed = false;
}
