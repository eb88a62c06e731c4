/**
 * The runs of deployed pipelines in the Airflow the server is configured with (GET remote-runs).
 * Server-wide, not per notebook: one per panel, polled while the panel shows the section and
 * released when it stops (another notebook, panel hidden).
 */
import { ISignal, Signal } from '@lumino/signaling';

import { api, ApiError, IRemoteRuns } from './api';

export class RemoteRuns {
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The last reply (null until the first one). */
  get reply(): IRemoteRuns | null {
    return this._reply;
  }

  get error(): string | null {
    return this._error;
  }

  async refresh(): Promise<void> {
    try {
      this._reply = await api.remoteRuns(10);
      this._error = null;
    } catch (error) {
      this._error = error instanceof ApiError ? error.message : String(error);
    }
    this._changed.emit();
  }

  /** Poll while someone looks; the first call fetches at once. */
  watch(): void {
    if (this._timer || this._disposed) {
      return;
    }
    void this.refresh();
    this._timer = window.setInterval(() => void this.refresh(), 10000);
  }

  unwatch(): void {
    window.clearInterval(this._timer);
    this._timer = 0;
  }

  get watching(): boolean {
    return this._timer !== 0;
  }

  dispose(): void {
    this._disposed = true;
    this.unwatch();
    Signal.clearData(this);
  }

  private _changed = new Signal<this, void>(this);
  private _reply: IRemoteRuns | null = null;
  private _error: string | null = null;
  private _timer = 0;
  private _disposed = false;
}
