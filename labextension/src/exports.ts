/**
 * The exports of one notebook made from the panel: the last result or the reason it was refused,
 * and the proof an "Export and prove" started: polled from the server (GET proofs/{id}) while it
 * runs, its outcome kept until the user dismisses it. A reloaded page picks up a proof still
 * running (`resume`).
 */
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import { api, ApiError, IExport, IProofProgress } from './api';

export class NotebookExports {
  constructor(private _path: () => string) {}

  /** The followed proof's poll: every second while it runs, backing off while the server fails. */
  readonly poll = new Poll({
    auto: false,
    factory: () => this._tick(),
    frequency: { interval: 1000, backoff: true, max: 30 * 1000 },
    standby: 'when-hidden',
    name: 'notebook-ops:proof'
  });

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
    this.poll.dispose();
    Signal.clearData(this);
  }

  private _follow(progress: IProofProgress): void {
    this._proof = progress;
    void (this.proving ? this.poll.start() : this.poll.stop());
  }

  /** One look at the followed proof; a failure other than "forgotten" backs the poll off. */
  private async _tick(): Promise<void> {
    const progress = this._proof;
    if (this._disposed || !progress || !this.proving) {
      void this.poll.stop();
      return;
    }
    let next: IProofProgress;
    try {
      next = await api.proof(progress.id);
    } catch (error) {
      // a restarted server forgot the proof: say so, stop polling; other failures: poll again
      if (!(error instanceof ApiError && error.status === 404)) {
        throw error;
      }
      next = { ...progress, state: 'error', error: error.message };
    }
    if (this._disposed || this._proof?.id !== progress.id) {
      return;
    }
    this._follow(next);
    this._changed.emit();
  }

  private _changed = new Signal<this, void>(this);
  private _last: IExport | null = null;
  private _busy = false;
  private _error: { message: string; refused: boolean } | null = null;
  private _refusedProve = false;
  private _proof: IProofProgress | null = null;
  private _disposed = false;
}
