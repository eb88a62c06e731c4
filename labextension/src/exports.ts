/**
 * The exports of one notebook made from the panel: the last result or the reason it was refused,
 * and the proof an "Export and prove" started: polled from the server (GET proofs/{id}) while it
 * runs, its outcome kept until the user dismisses it. A reloaded page picks up a proof still
 * running (`resume`).
 */
import { ISignal, Signal } from '@lumino/signaling';

import { api, ApiError, IExport, IProofProgress } from './api';

const POLL_MS = 1000;

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

  /** The proof being followed, or its outcome until dismissed (null: none). */
  get proof(): IProofProgress | null {
    return this._proof;
  }

  /** A proof is running: building its env or running a step. */
  get proving(): boolean {
    return this._proof !== null && (this._proof.state === 'building_env' || this._proof.state === 'running_step');
  }

  /** The server's message when the export failed; `refused` when the user may insist (dirty tree). */
  get error(): { message: string; refused: boolean } | null {
    return this._error;
  }

  /** Export the saved notebook; with `prove`, then follow the proof the server starts. */
  async export(outDir: string, allowDirty = false, prove = false): Promise<void> {
    this._busy = true;
    this._error = null;
    this._changed.emit();
    try {
      this._last = await api.exportBundle(this._path(), outDir, allowDirty, prove);
      if (this._last.proving) {
        this._follow(this._last.proving);
      }
    } catch (error) {
      const refused = error instanceof ApiError && error.status === 409 && error.body.error === 'ExportRefused';
      this._error = { message: error instanceof Error ? error.message : String(error), refused };
      this._refusedProve = refused && prove;
    } finally {
      this._busy = false;
      this._changed.emit();
    }
  }

  /** Whether the refused export asked for a proof (so "Export anyway" proves too). */
  get refusedProve(): boolean {
    return this._refusedProve;
  }

  /** Follow a proof of this notebook the server is still running (after a reload). */
  async resume(): Promise<void> {
    try {
      const running = (await api.proofs(this._path())).proofs.find(
        p => p.state === 'building_env' || p.state === 'running_step'
      );
      if (running && !this._disposed && !this._proof) {
        this._follow(running);
        this._changed.emit();
      }
    } catch {
      // an older server without proofs, or a notebook not saved yet: nothing to resume
    }
  }

  /** Forget a finished proof's outcome (the panel's Dismiss). */
  dismissProof(): void {
    if (!this.proving) {
      this._proof = null;
      this._changed.emit();
    }
  }

  dispose(): void {
    this._disposed = true;
    window.clearTimeout(this._timer);
    Signal.clearData(this);
  }

  private _follow(progress: IProofProgress): void {
    this._proof = progress;
    window.clearTimeout(this._timer);
    if (!this.proving) {
      return;
    }
    this._timer = window.setTimeout(async () => {
      if (this._disposed || this._proof?.id !== progress.id) {
        return;
      }
      let next = progress;
      try {
        next = await api.proof(progress.id);
      } catch (error) {
        // a restarted server forgot the proof: say so, stop polling; other failures: poll again
        if (error instanceof ApiError && error.status === 404) {
          next = { ...progress, state: 'error', error: error.message };
        }
      }
      if (this._disposed || this._proof?.id !== progress.id) {
        return;
      }
      this._follow(next);
      this._changed.emit();
    }, POLL_MS);
  }

  private _changed = new Signal<this, void>(this);
  private _last: IExport | null = null;
  private _busy = false;
  private _error: { message: string; refused: boolean } | null = null;
  private _refusedProve = false;
  private _proof: IProofProgress | null = null;
  private _timer = 0;
  private _disposed = false;
}
