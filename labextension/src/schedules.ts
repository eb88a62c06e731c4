/**
 * The schedules of one notebook and whether a scheduler service fires them. Refreshed when the
 * panel shows them and every few seconds while it does (firings happen server-side).
 */
import { ISignal, Signal } from '@lumino/signaling';

import { api, ApiError, ISchedule } from './api';

export class NotebookSchedules {
  constructor(private _path: () => string) {}

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get list(): ISchedule[] {
    return this._list;
  }

  get services(): Record<string, unknown>[] {
    return this._services;
  }

  get error(): string | null {
    return this._error;
  }

  get loaded(): boolean {
    return this._loaded;
  }

  /** Ask the panel to draw the section again (a local change, e.g. the form's kind). */
  touch(): void {
    this._changed.emit();
  }

  /** Recent firings of a schedule, once fetched. */
  details(name: string): ISchedule | undefined {
    return this._details.get(name);
  }

  async refresh(): Promise<void> {
    try {
      const reply = await api.schedules(this._path());
      this._list = reply.schedules;
      this._services = reply.services;
      // an action's error stays until the user acts again or dismisses it
      await Promise.all([...this._details.keys()].map(name => this._fetchDetails(name)));
    } catch (error) {
      this._error = message(error);
    }
    this._loaded = true;
    this._changed.emit();
  }

  async add(cron: string, tz: string, parameters: Record<string, string>, name?: string): Promise<boolean> {
    return this._do(() => api.addSchedule({ path: this._path(), cron, tz, parameters, name }));
  }

  /** A schedule fired by each message on the topic `source` (pulsar://host:port/topic). */
  async addTrigger(source: string, parameters: Record<string, string>, name?: string): Promise<boolean> {
    return this._do(() => api.addSchedule({ path: this._path(), trigger: source, parameters, name }));
  }

  async setPaused(name: string, paused: boolean): Promise<boolean> {
    return this._do(() => api.pauseSchedule(name, paused));
  }

  async remove(name: string): Promise<boolean> {
    this._details.delete(name);
    return this._do(() => api.removeSchedule(name));
  }

  async runNow(name: string): Promise<boolean> {
    const ok = await this._do(() => api.runScheduleNow(name));
    this._queued = ok ? name : null;
    this._changed.emit();
    return ok;
  }

  /**
   * What the last action left to know (not an error), e.g. a run queued with no service. Like an
   * error it stays across refreshes until dismissed or replaced by the next action's.
   */
  get notice(): string | null {
    return queuedNotice(this._queued, this._services.length > 0);
  }

  clearNotice(): void {
    this._queued = null;
    this._changed.emit();
  }

  async toggleDetails(name: string): Promise<void> {
    if (this._details.has(name)) {
      this._details.delete(name);
      this._changed.emit();
      return;
    }
    await this._fetchDetails(name);
    this._changed.emit();
  }

  clearError(): void {
    this._error = null;
    this._changed.emit();
  }

  /** Poll while someone looks (the panel calls this when it renders the section). */
  watch(): void {
    if (this._timer || this._disposed) {
      return;
    }
    this._timer = window.setInterval(() => void this.refresh(), 5000);
  }

  /** Stop polling (the panel shows another notebook). */
  unwatch(): void {
    window.clearInterval(this._timer);
    this._timer = 0;
  }

  /** Polling, for tests and the token's users. */
  get watching(): boolean {
    return this._timer !== 0;
  }

  dispose(): void {
    this._disposed = true;
    this.unwatch();
    Signal.clearData(this);
  }

  private async _fetchDetails(name: string): Promise<void> {
    try {
      this._details.set(name, await api.schedule(name));
    } catch {
      this._details.delete(name);
    }
  }

  private async _do(action: () => Promise<unknown>): Promise<boolean> {
    this._queued = null;
    try {
      await action();
      this._error = null;
      await this.refresh();
      return true;
    } catch (error) {
      this._error = message(error);
      this._changed.emit();
      return false;
    }
  }

  private _changed = new Signal<this, void>(this);
  private _list: ISchedule[] = [];
  private _services: Record<string, unknown>[] = [];
  private _details = new Map<string, ISchedule>();
  private _error: string | null = null;
  /** The schedule last run now, while its notice is not dismissed. */
  private _queued: string | null = null;
  private _loaded = false;
  private _timer = 0;
  private _disposed = false;
}

/**
 * What to say about a schedule run now: queued while no scheduler service runs, nothing once one
 * does (a notice kept from before a service started would contradict the section's status line).
 */
export function queuedNotice(queued: string | null, serviceRunning: boolean): string | null {
  return queued && !serviceRunning
    ? `"${queued}" is queued: it starts once a scheduler service runs (none is running now).`
    : null;
}

function message(error: unknown): string {
  return error instanceof ApiError ? error.message : String(error);
}
