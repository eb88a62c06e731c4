/**
 * The runs of deployed pipelines in the Airflow the server is configured with (GET remote-runs).
 * Server-wide, not per notebook: one per panel, polled while the panel shows the section and
 * released when it stops (another notebook, panel hidden).
 */
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import { api, ApiError, IRemoteRuns } from './api';

export class RemoteRuns {
  /** Every 10 s while watched, backing off while Airflow or the server fails, standing by when hidden. */
  readonly poll = new Poll({
    auto: false,
    factory: () => this._fetch(),
    frequency: { interval: 10 * 1000, backoff: true, max: 2 * 60 * 1000 },
    standby: 'when-hidden',
    name: 'notebook-ops:remote-runs'
  });

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
    await this._fetch().catch(() => undefined);
  }

  /** Poll while someone looks; the first look is now. */
  watch(): void {
    if (!this._disposed) {
      void this.poll.start();
    }
  }

  unwatch(): void {
    void this.poll.stop();
  }

  get watching(): boolean {
    const phase = this.poll.state.phase;
    return phase !== 'stopped' && phase !== 'constructed' && phase !== 'disposed';
  }

  dispose(): void {
    this._disposed = true;
    this.poll.dispose();
    Signal.clearData(this);
  }

  /** One look; a failure is kept as the section's error and rethrown so the poll backs off. */
  private async _fetch(): Promise<void> {
    try {
      this._reply = await api.remoteRuns(10);
      this._error = null;
    } catch (error) {
      this._error = error instanceof ApiError ? error.message : String(error);
      throw error;
    } finally {
      if (!this._disposed) {
        this._changed.emit();
      }
    }
  }

  private _changed = new Signal<this, void>(this);
  private _reply: IRemoteRuns | null = null;
  private _error: string | null = null;
  private _disposed = false;
}
