/**
 * A folder of notebooks as a pipeline ("Run Folder as a Pipeline" in the file browser): the
 * order the server infers from what the notebooks hand each other, the pipeline they make (its
 * problems), its runs (the same NotebookRuns a notebook's panel follows), and writing the order
 * out as a pipeline file to edit. The folder view only renders this model.
 */
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { api, ApiError, IFolderView, IPipeline, IProblem } from './api';
import { stepColors } from './colors';
import { NotebookRuns } from './runs';
import type { FolderNotebook } from './api';

/** `analysis/1-load.ipynb` -> `1-load.ipynb`: a notebook's name within its folder. */
export function fileName(path: string): string {
  return path.split('/').pop() ?? path;
}

/**
 * Why a notebook comes where it does, one line each: what it gets from which notebook
 * ("file numbers.csv from 1-make.ipynb", "name df from 1-load.ipynb"), what it `%run`s; with
 * nothing to get, its number (or its name) places it.
 */
export function linkLines(notebook: FolderNotebook): string[] {
  const lines = notebook.gets.map(g => `${g.what} from ${fileName(g.notebook)}`);
  lines.push(...notebook.runs.map(r => `%run ${fileName(r)} (runs inside it)`));
  if (!notebook.gets.length) {
    lines.push(notebook.number !== null ? `placed by its number, ${notebook.number}` : 'placed by its name');
  }
  return lines;
}

/** The notebook of a step (its server path), from the folder's order. */
export function notebookOfStep(view: IFolderView | null, step: string | null | undefined): string | null {
  return (step && view?.notebooks.find(n => n.steps.includes(step))?.path) || null;
}

export class FolderModel implements IDisposable {
  /**
   * `open(path)`: opens a file of the server (a notebook, the pipeline file) in the lab;
   * `openAt(path, cells)`: opens a notebook at the first code cell of `cells`.
   */
  constructor(
    readonly path: string,
    private _open: (path: string) => void = () => undefined,
    private _openAt: (path: string, cells: number[]) => void = path => _open(path)
  ) {
    this.runs.changed.connect(() => this._changed.emit(), this);
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The folder's name. */
  get name(): string {
    return this._view?.name ?? fileName(this.path);
  }

  get view(): IFolderView | null {
    return this._view;
  }

  get pipeline(): IPipeline | null {
    return this._pipeline;
  }

  get error(): string | null {
    return this._error;
  }

  get busy(): boolean {
    return this._busy;
  }

  /** The last pipeline file written from here (its server path), or the failure. */
  get written(): string | null {
    return this._written;
  }

  get writeError(): string | null {
    return this._writeError;
  }

  /** Runs of the folder (its `.notebook_ops/runs`), followed as a notebook's are. */
  readonly runs = new NotebookRuns(() => this.path);

  colorOf(step: string): string {
    return stepColors.colorIn(this._pipeline?.steps.map(s => s.name) ?? [], step);
  }

  /** A step lives in a notebook of the folder: open that notebook. */
  selectStep(step: string): void {
    const path = notebookOfStep(this._view, step);
    if (path) {
      this._open(path);
    }
  }

  /** A step failed in a cell of its notebook: open that notebook at the cell. */
  selectFailedCell(step: string, cell: number): void {
    const path = notebookOfStep(this._view, step);
    if (path) {
      this._openAt(path, [cell]);
    }
  }

  /** Open the notebook of the problem's step, at its cell when it names one. */
  selectProblem(problem: IProblem): void {
    const path = notebookOfStep(this._view, problem.step);
    if (path) {
      this._openAt(path, problem.cell === null ? [] : [problem.cell]);
    }
  }

  open(path: string): void {
    this._open(path);
  }

  /** Read the folder again: its order and the pipeline its notebooks make. */
  async refresh(): Promise<void> {
    const ticket = ++this._ticket;
    this._busy = true;
    this._changed.emit();
    try {
      const [view, pipeline] = await Promise.all([api.folder(this.path), api.inspect(this.path)]);
      if (ticket === this._ticket) {
        this._view = view;
        this._pipeline = pipeline;
        this._error = null;
      }
    } catch (error) {
      if (ticket === this._ticket) {
        this._error = error instanceof ApiError ? error.message : String(error);
        this._view = null;
        this._pipeline = null;
      }
    } finally {
      if (ticket === this._ticket) {
        this._busy = false;
        this._changed.emit();
      }
    }
  }

  /**
   * Write the order as a pipeline file (`<folder>/pipeline.yaml`) and open it. An existing file
   * is replaced only when `confirmOverwrite` says so. Returns the file's server path, or null.
   */
  async writePipelineFile(confirmOverwrite: (path: string) => Promise<boolean>): Promise<string | null> {
    this._writeError = null;
    let overwrite = false;
    for (;;) {
      try {
        const written = await api.writePipelineFile(this.path, overwrite);
        this._written = written.path;
        this._changed.emit();
        this._open(written.path);
        void this.refresh();
        return written.path;
      } catch (error) {
        if (error instanceof ApiError && error.status === 409 && !overwrite) {
          const target = this._view?.pipeline_file ?? `${this.path}/pipeline.yaml`;
          if (await confirmOverwrite(target)) {
            overwrite = true;
            continue;
          }
          return null;
        }
        this._writeError = error instanceof ApiError ? error.message : String(error);
        this._changed.emit();
        return null;
      }
    }
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this.runs.dispose();
    Signal.clearData(this);
  }

  private _changed = new Signal<this, void>(this);
  private _view: IFolderView | null = null;
  private _pipeline: IPipeline | null = null;
  private _error: string | null = null;
  private _written: string | null = null;
  private _writeError: string | null = null;
  private _busy = false;
  private _ticket = 0;
  private _disposed = false;
}
