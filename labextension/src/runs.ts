/**
 * The runs of one notebook: the run being watched (polled from the server, which reads the
 * runner's run.json), the recent ones, and two of them compared side by side. Owned by the
 * notebook's PipelineModel; the panel renders it and the graph shows the watched run's step
 * statuses.
 */
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import { api, ApiError, FINAL_STATUSES, IRun, IRunComparison, IRunOptions } from './api';
import { comparePair } from './format';

export class NotebookRuns {
  constructor(private _path: () => string) {}

  /** The watched run's poll: every second while it runs, backing off while the server fails. */
  readonly poll = new Poll({
    auto: false,
    factory: () => this._tick(),
    frequency: { interval: 1000, backoff: true, max: 30 * 1000 },
    standby: 'when-hidden',
    name: 'notebook-ops:run'
  });

  /**
   * Runs of this notebook started elsewhere (another user of a shared notebook, the CLI, a
   * schedule): while none is followed here, the newest run is looked up every few seconds and a
   * run still going is followed like one started here. Started with the recent runs' first load.
   */
  readonly elsewhere = new Poll({
    auto: false,
    factory: () => this._lookElsewhere(),
    frequency: { interval: 3000, backoff: true, max: 60 * 1000 },
    standby: 'when-hidden',
    name: 'notebook-ops:runs-elsewhere'
  });

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The run shown in the panel (the last one started here, or one picked from the list). */
  get current(): IRun | null {
    return this._current;
  }

  get recent(): IRun[] {
    return this._recent;
  }

  get error(): string | null {
    return this._error;
  }

  get starting(): boolean {
    return this._starting;
  }

  /** A run is starting or on (the one shown has not ended). */
  get running(): boolean {
    const run = this._current;
    return this._starting || (!!run && (!FINAL_STATUSES.includes(run.status) || run.active));
  }

  /** Step name -> status of the current run, for the graph. */
  get stepStatus(): Record<string, string> | null {
    if (!this._current) {
      return null;
    }
    const out: Record<string, string> = {};
    for (const [name, step] of Object.entries(this._current.steps)) {
      out[name] = step.cached && step.status === 'succeeded' ? 'cached' : step.status;
    }
    return out;
  }

  async start(parameters: Record<string, string>, options: IRunOptions = {}): Promise<void> {
    this._starting = true;
    this._error = null;
    this._changed.emit();
    try {
      this._current = await api.startRun(this._path(), parameters, options);
      this._poll();
    } catch (error) {
      this._error = error instanceof ApiError ? error.message : String(error);
    } finally {
      this._starting = false;
      this._changed.emit();
    }
  }

  async cancel(): Promise<void> {
    if (!this._current) {
      return;
    }
    try {
      await api.cancelRun(this._path(), this._current.run_id);
    } catch (error) {
      this._error = error instanceof ApiError ? error.message : String(error);
      this._changed.emit();
    }
  }

  show(run: IRun): void {
    this._current = run;
    this._changed.emit();
    if (!FINAL_STATUSES.includes(run.status) || run.active) {
      this._poll();
    }
  }

  /** Show a run found elsewhere (e.g. fired by a schedule) by its id. */
  async showById(runId: string): Promise<void> {
    try {
      this.show(await api.run(this._path(), runId));
    } catch (error) {
      this._error = error instanceof ApiError ? error.message : String(error);
      this._changed.emit();
    }
  }

  /** The recent runs, fetched the first time someone shows them (the panel, the folder tab). */
  loadRecentOnce(): void {
    if (!this._recentAsked) {
      this._recentAsked = true;
      void this.loadRecent();
      void this.elsewhere.start();
    }
  }

  async loadRecent(): Promise<void> {
    try {
      this._recent = (await api.runs(this._path(), 8)).runs;
      this._changed.emit();
    } catch (error) {
      // A notebook that was never run has no runs; other errors show in the panel.
      if (!(error instanceof ApiError && error.status === 404)) {
        this._error = String((error as Error).message ?? error);
        this._changed.emit();
      }
    }
  }

  /** The recent runs ticked for comparing (at most two: a third replaces the oldest tick). */
  get picked(): string[] {
    return this._picked;
  }

  /** The comparison shown (the older run as `a`), or null. */
  get comparison(): IRunComparison | null {
    return this._comparison;
  }

  /** Tick or untick a recent run for comparing. */
  pick(runId: string): void {
    this._picked = this._picked.includes(runId)
      ? this._picked.filter(r => r !== runId)
      : [...this._picked, runId].slice(-2);
    this._changed.emit();
  }

  /** Compare the two ticked runs (the older one as `a`: deltas read newer - older). */
  async compare(): Promise<void> {
    const pair = comparePair(this._recent.filter(r => this._picked.includes(r.run_id)));
    if (!pair) {
      return;
    }
    this._error = null;
    try {
      this._comparison = await api.compareRuns(this._path(), pair[0].run_id, pair[1].run_id);
    } catch (error) {
      this._error = error instanceof ApiError ? error.message : String(error);
    }
    this._changed.emit();
  }

  closeComparison(): void {
    this._comparison = null;
    this._changed.emit();
  }

  dispose(): void {
    this._disposed = true;
    this.poll.dispose();
    this.elsewhere.dispose();
    Signal.clearData(this);
  }

  /** Follow the current run: the poll starts at once (or goes on, if it is already going). */
  private _poll(): void {
    void this.poll.start();
  }

  /** Follow the newest run when it is going and not the one shown (none is being followed). */
  private async _lookElsewhere(): Promise<void> {
    if (this._disposed || this.running) {
      return;
    }
    let newest: IRun | undefined;
    try {
      newest = (await api.runs(this._path(), 1)).runs[0];
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        return; // never run
      }
      throw error; // the poll backs off; the panel's own requests show the server's state
    }
    const going = !!newest && (!FINAL_STATUSES.includes(newest.status) || newest.active);
    if (newest && going && !this._disposed && !this.running && newest.run_id !== this._current?.run_id) {
      this.show(newest);
      void this.loadRecent();
    }
  }

  /** One look at the watched run; a failure is shown and rethrown so the poll backs off. */
  private async _tick(): Promise<void> {
    if (this._disposed || !this._current) {
      void this.poll.stop();
      return;
    }
    try {
      const run = await api.run(this._path(), this._current.run_id);
      if (this._disposed) {
        return;
      }
      if (this._current && run.run_id === this._current.run_id) {
        this._current = run;
      }
      this._changed.emit();
      if (FINAL_STATUSES.includes(run.status) && !run.active) {
        void this.poll.stop();
        void this.loadRecent();
      }
    } catch (error) {
      this._error = error instanceof ApiError ? error.message : String(error);
      this._changed.emit();
      throw error;
    }
  }

  private _changed = new Signal<this, void>(this);
  private _current: IRun | null = null;
  private _recent: IRun[] = [];
  private _error: string | null = null;
  private _starting = false;
  private _recentAsked = false;
  private _picked: string[] = [];
  private _comparison: IRunComparison | null = null;
  private _disposed = false;
}
