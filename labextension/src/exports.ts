/** The exports of one notebook made from the panel: the last result or the reason it was refused. */
import { ISignal, Signal } from '@lumino/signaling';

import { api, ApiError, IExport } from './api';

export class NotebookExports {
  constructor(private _path: () => string) {}

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get last(): IExport | null {
    return this._last;
  }

  get busy(): boolean {
    return this._busy;
  }

  /** The server's message when the export failed; `refused` when the user may insist (dirty tree). */
  get error(): { message: string; refused: boolean } | null {
    return this._error;
  }

  async export(outDir: string, allowDirty = false): Promise<void> {
    this._busy = true;
    this._error = null;
    this._changed.emit();
    try {
      this._last = await api.exportBundle(this._path(), outDir, allowDirty);
    } catch (error) {
      const refused = error instanceof ApiError && error.status === 409 && error.body.error === 'ExportRefused';
      this._error = { message: error instanceof Error ? error.message : String(error), refused };
    } finally {
      this._busy = false;
      this._changed.emit();
    }
  }

  dispose(): void {
    Signal.clearData(this);
  }

  private _changed = new Signal<this, void>(this);
  private _last: IExport | null = null;
  private _busy = false;
  private _error: { message: string; refused: boolean } | null = null;
}
