/**
 * The pipeline canvas' model: a pipeline composed on the graph. Its home is a pipeline file
 * (model/pipelinefile.py: `notebooks:` lists them; the notebooks' `after:` tags still count),
 * which holds the notebooks dropped on the canvas before any tag joins them. An edge drawn is an
 * `after:` tag on the target step's first cell, written through the notebook's open editor (its
 * document model, then saved) or, when it is not open, to the file; deleting an edge removes
 * only that tag; Z undoes the last edit. An Elyra `.pipeline` opens the same way: there a node
 * is a node of the file and an edge a link, written back by the server (POST elyra-edits).
 * Every write is said in `status`. The view renders this.
 */
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { api, ApiError, EditElyraPipeline, IPipeline } from './api';
import {
  afterRefFor,
  afterTagsOf,
  CANVAS_HEADER,
  canvasSteps,
  edgeRefs,
  ICanvasStep,
  pipelineFileText,
  withAfter
} from './canvasedits';
import { stepColors } from './colors';
import { fileName } from './folder';
import { cellLabel } from './format';
import { NotebookRuns } from './runs';
import { AFTER } from './tags';

/** A notebook's cells as the canvas needs them. */
export interface ICanvasCell {
  type: string;
  tags: string[];
}

/** Where the canvas reads and writes: the open editor when there is one, else the file. */
export interface ICanvasFiles {
  cells(path: string): Promise<ICanvasCell[]>;
  /** Set one cell's tags (in the open editor's model, saved; else in the file). */
  setTags(path: string, cell: number, tags: string[]): Promise<void>;
  /** A text file's content, null when there is none. */
  readText(path: string): Promise<string | null>;
  writeText(path: string, text: string): Promise<void>;
  remove(path: string): Promise<void>;
  /** Open a notebook at the first code cell of `cells`. */
  openAt(path: string, cells: number[]): void;
}

/** One change an edit made, kept to undo it. */
type Change =
  | { kind: 'tags'; path: string; cell: number; added: string[]; removed: string[] }
  | { kind: 'file'; path: string; before: string | null; after: string | null };

interface IEdit {
  label: string;
  changes: Change[];
}

export type CanvasSelection = { kind: 'node'; step: string } | { kind: 'edge'; from: string; to: string } | null;

export class CanvasModel implements IDisposable {
  constructor(
    /** The pipeline file (server path); written on the first drop when it does not exist. */
    readonly path: string,
    private _files: ICanvasFiles
  ) {
    this.runs.changed.connect(() => this._changed.emit(), this);
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get pipeline(): IPipeline | null {
    return this._pipeline;
  }

  get error(): string | null {
    return this._error;
  }

  /** What the last edit wrote (or why it wrote nothing). */
  get status(): string {
    return this._status;
  }

  get selection(): CanvasSelection {
    return this._selection;
  }

  get canUndo(): boolean {
    return this._history.length > 0;
  }

  /** The notebooks the canvas lists (server paths). */
  get notebooks(): string[] {
    return this._notebooks;
  }

  readonly runs = new NotebookRuns(() => this.path);

  colorOf(step: string): string {
    return stepColors.colorIn(this._pipeline?.steps.map(s => s.name) ?? [], step);
  }

  select(selection: CanvasSelection): void {
    this._selection = selection;
    this._changed.emit();
  }

  /** Open a step's notebook at the step (also what a run's step links do). */
  selectStep(name: string): void {
    const step = this._step(name);
    const cells = this._pipeline?.steps.find(s => s.name === name)?.cells ?? [];
    if (step) {
      this._files.openAt(step.notebook, cells);
    }
  }

  selectFailedCell(name: string, cell: number): void {
    const step = this._step(name);
    if (step) {
      this._files.openAt(step.notebook, [cell]);
    }
  }

  /** Read the pipeline file again (nothing to read before the first drop). */
  async refresh(): Promise<void> {
    const ticket = ++this._ticket;
    try {
      const text = await this._files.readText(this.path);
      if (text === null) {
        if (ticket === this._ticket) {
          [this._text, this._pipeline, this._notebooks, this._error] = [null, null, [], null];
        }
        return;
      }
      const pipeline = await api.inspect(this.path);
      if (ticket === this._ticket) {
        this._text = text;
        this._pipeline = pipeline;
        this._steps = canvasSteps(this.path, pipeline);
        this._notebooks = [...new Set(this._steps.map(s => s.notebook))];
        this._error = null;
      }
    } catch (error) {
      if (ticket === this._ticket) {
        this._error = error instanceof ApiError ? error.message : String(error);
      }
    } finally {
      if (ticket === this._ticket) {
        this._changed.emit();
      }
    }
  }

  /** Notebooks dropped on the canvas join the pipeline file's list. */
  private async _addNotebooks(paths: string[]): Promise<void> {
    if (this.isElyra) {
      const files = paths.filter(p => /\.(ipynb|py)$/.test(p) && !this._notebooks.includes(p));
      for (const file of files) {
        await this._elyra({ path: this.path, op: 'add-node', file });
      }
      if (!files.length) {
        this._say('an Elyra node runs a notebook (.ipynb) or a Python script (.py) not on the canvas yet');
      }
      return;
    }
    const fresh = paths.filter(p => p.endsWith('.ipynb') && !this._notebooks.includes(p));
    const refused = paths.filter(p => !p.endsWith('.ipynb'));
    if (!fresh.length) {
      this._say(
        refused.length
          ? `${refused.map(fileName).join(', ')}: a pipeline file lists notebooks (.ipynb); open an Elyra .pipeline to add scripts`
          : 'already on the canvas'
      );
      return;
    }
    const listed = [...this._notebooks, ...fresh];
    await this._writeList(listed, `added ${fresh.map(fileName).join(', ')} to ${fileName(this.path)}`);
  }

  /** An edge drawn from step `from` to step `to`: `after:` on `to`'s first cell. */
  private async _connect(from: string, to: string): Promise<void> {
    const [source, target] = [this._step(from), this._step(to)];
    if (!source || !target || from === to) {
      return;
    }
    if (this.isElyra) {
      if (source.notebook !== target.notebook) {
        this._selection = { kind: 'edge', from, to };
        await this._elyra({ path: this.path, op: 'add-link', file: source.notebook, target: target.notebook });
      }
      return;
    }
    const ref = afterRefFor(source, target);
    if (ref === null) {
      this._say(`${from} and ${to} are one step: its notebook has no step: tags (make steps first)`);
      return;
    }
    const cells = await this._files.cells(target.notebook);
    const index = target.startCell ?? cells.findIndex(c => c.type === 'code');
    if (index < 0 || index >= cells.length) {
      this._say(`${fileName(target.notebook)} has no code cell to tag`);
      return;
    }
    const tags = cells[index].tags;
    const next = withAfter(tags, ref);
    if (next.length === tags.length) {
      this._say(`${to} already runs after ${from} (${AFTER}${ref})`);
      return;
    }
    await this._files.setTags(target.notebook, index, next);
    const label = `wrote ${AFTER}${ref} to ${fileName(target.notebook)}, ${cellLabel(index)}`;
    this._push({
      label,
      changes: [{ kind: 'tags', path: target.notebook, cell: index, added: [AFTER + ref], removed: [] }]
    });
    this._selection = { kind: 'edge', from, to };
    await this._done(label);
  }

  /** Delete what is selected: an edge's tags, or a notebook from the canvas (and the tags naming it). */
  deleteSelected(): Promise<void> {
    return this._serial(async () => {
      const selected = this._selection;
      if (selected?.kind === 'edge') {
        await this._disconnect(selected.from, selected.to);
      } else if (selected?.kind === 'node') {
        await this._removeNotebookOf(selected.step);
      }
    });
  }

  /** Notebooks dropped on the canvas join the pipeline file's list (an Elyra file's nodes). */
  addNotebooks(paths: string[]): Promise<void> {
    return this._serial(() => this._addNotebooks(paths));
  }

  /** An edge drawn from step `from` to step `to`. */
  connect(from: string, to: string): Promise<void> {
    return this._serial(() => this._connect(from, to));
  }

  /** Delete the edge `from -> to`. */
  disconnect(from: string, to: string): Promise<void> {
    return this._serial(() => this._disconnect(from, to));
  }

  /** Take a step's notebook off the canvas. */
  removeNotebookOf(name: string): Promise<void> {
    return this._serial(() => this._removeNotebookOf(name));
  }

  /** Undo the last edit. */
  undo(): Promise<void> {
    return this._serial(() => this._undoLast());
  }

  /** Edits one after another (a key held down must not interleave two edits' writes). */
  private _serial(op: () => Promise<void>): Promise<void> {
    const next = this._queue.then(op, op);
    this._queue = next.catch(() => undefined);
    return next;
  }

  /** Remove the tags that make the edge `from -> to`; never any other tag. */
  private async _disconnect(from: string, to: string): Promise<void> {
    const [source, target] = [this._step(from), this._step(to)];
    if (!source || !target) {
      return;
    }
    if (this.isElyra) {
      this._selection = null;
      await this._elyra({ path: this.path, op: 'remove-link', file: source.notebook, target: target.notebook });
      return;
    }
    const changes = await this._untag(target, edgeRefs(source, target));
    if (!changes.length) {
      this._say(`no tag makes ${from} → ${to}: ${to} follows ${from} in its notebook`);
      return;
    }
    const label = changes
      .map(c =>
        c.kind === 'tags' ? `removed ${c.removed.join(', ')} from ${fileName(c.path)}, ${cellLabel(c.cell)}` : ''
      )
      .join('; ');
    this._push({ label, changes });
    this._selection = null;
    await this._done(label);
  }

  /** Take a step's notebook off the canvas: out of the list, and the tags naming it out of the others. */
  private async _removeNotebookOf(name: string): Promise<void> {
    const gone = this._step(name);
    if (!gone) {
      return;
    }
    if (this.isElyra) {
      this._selection = null;
      await this._elyra({ path: this.path, op: 'remove-node', file: gone.notebook });
      return;
    }
    if (!this._ownsFile()) {
      this._say(`${fileName(this.path)} was written by hand: remove ${fileName(gone.notebook)} there`);
      return;
    }
    const changes: Change[] = [];
    const source: ICanvasStep = { ...gone, local: null };
    for (const nb of this._notebooks.filter(n => n !== gone.notebook)) {
      const first = this._steps.find(s => s.notebook === nb)!;
      const locals = this._steps.filter(s => s.notebook === gone.notebook && s.local).map(s => `:${s.local}`);
      const whole = edgeRefs(source, first)[0];
      changes.push(...(await this._untag({ ...first, startCell: null }, [whole, ...locals.map(l => whole + l)])));
    }
    const before = this._text;
    const listed = this._notebooks.filter(n => n !== gone.notebook);
    const after = listed.length ? pipelineFileText(this.path, listed) : null;
    await (after === null ? this._files.remove(this.path) : this._files.writeText(this.path, after));
    changes.push({ kind: 'file', path: this.path, before, after });
    const untagged = changes.filter(c => c.kind === 'tags').length;
    const label =
      `removed ${fileName(gone.notebook)} from ${fileName(this.path)}` +
      (untagged ? ` and ${untagged} after: tag(s) naming it` : '');
    this._push({ label, changes });
    this._selection = null;
    await this._done(label);
  }

  /** Undo the last edit: tags added go, tags removed come back, the file as it was. */
  private async _undoLast(): Promise<void> {
    const edit = this._history.pop();
    if (!edit) {
      this._say('nothing to undo');
      return;
    }
    for (const change of [...edit.changes].reverse()) {
      if (change.kind === 'tags') {
        const cells = await this._files.cells(change.path);
        const tags = (cells[change.cell]?.tags ?? []).filter(t => !change.added.includes(t));
        await this._files.setTags(change.path, change.cell, [
          ...tags,
          ...change.removed.filter(t => !tags.includes(t))
        ]);
      } else if (change.before === null) {
        await this._files.remove(change.path);
      } else {
        await this._files.writeText(change.path, change.before);
      }
    }
    this._selection = null;
    await this._done(`undid: ${edit.label}`);
  }

  /** The canvas shows an Elyra pipeline (its nodes and links are edited, not tags). */
  get isElyra(): boolean {
    return this.path.endsWith('.pipeline');
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

  /** Remove the `refs` tags from the target's first cell (every cell, for a notebook without steps). */
  private async _untag(target: ICanvasStep, refs: string[]): Promise<Change[]> {
    const cells = await this._files.cells(target.notebook);
    const where = target.startCell !== null ? [target.startCell] : cells.map((_, i) => i);
    const changes: Change[] = [];
    for (const index of where) {
      const tags = cells[index]?.tags ?? [];
      const removed = afterTagsOf(tags, refs);
      if (removed.length) {
        await this._files.setTags(
          target.notebook,
          index,
          tags.filter(t => !removed.includes(t))
        );
        changes.push({ kind: 'tags', path: target.notebook, cell: index, added: [], removed });
      }
    }
    return changes;
  }

  /** The file is the canvas' own (its header) or not written yet: it may rewrite it. */
  private _ownsFile(): boolean {
    return this._text === null || this._text.startsWith(CANVAS_HEADER);
  }

  private async _writeList(listed: string[], label: string): Promise<void> {
    if (!this._ownsFile()) {
      this._say(`${fileName(this.path)} was written by hand: add the notebooks there`);
      return;
    }
    const before = this._text;
    const after = pipelineFileText(this.path, listed);
    await this._files.writeText(this.path, after);
    this._push({
      label: `wrote ${fileName(this.path)}: ${label}`,
      changes: [{ kind: 'file', path: this.path, before, after }]
    });
    await this._done(label);
  }

  /** One edit of the Elyra file by the server; the file's text before it kept to undo it. */
  private async _elyra(edit: EditElyraPipeline): Promise<void> {
    const before = await this._files.readText(this.path);
    try {
      const reply = await api.editElyra(edit);
      const after = await this._files.readText(this.path);
      this._push({ label: reply.message, changes: [{ kind: 'file', path: this.path, before, after }] });
      await this._done(reply.message);
    } catch (error) {
      this._say(error instanceof ApiError ? error.message : String(error));
    }
  }

  private _step(name: string): ICanvasStep | undefined {
    return this._steps.find(s => s.name === name);
  }

  private _push(edit: IEdit): void {
    this._history.push(edit);
  }

  private async _done(label: string): Promise<void> {
    this._status = label;
    await this.refresh();
  }

  private _say(status: string): void {
    this._status = status;
    this._changed.emit();
  }

  private _changed = new Signal<this, void>(this);
  private _pipeline: IPipeline | null = null;
  private _steps: ICanvasStep[] = [];
  private _notebooks: string[] = [];
  private _text: string | null = null;
  private _error: string | null = null;
  private _status = '';
  private _selection: CanvasSelection = null;
  private _history: IEdit[] = [];
  private _queue: Promise<void> = Promise.resolve();
  private _ticket = 0;
  private _disposed = false;
}
