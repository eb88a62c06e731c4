/**
 * The schedules of one notebook and whether a scheduler service fires them. Refreshed when the
 * panel shows them and every few seconds while it does (firings happen server-side).
 */
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import type { IAlertItem } from './alerts';
import { api, ApiError, ISchedule } from './api';

export class NotebookSchedules {
  constructor(private _path: () => string) {}

  /**
   * Every 5 s while watched (the panel shows this notebook's section), backing off while the
   * server fails, standing by while the browser tab is hidden.
   */
  readonly poll = new Poll({
    auto: false,
    factory: () => this._fetch(),
    frequency: { interval: 5000, backoff: true, max: 60 * 1000 },
    standby: 'when-hidden',
    name: 'notebook-ops:schedules'
  });

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

  /** Recent firings of a schedule, once fetched. */
  details(name: string): ISchedule | undefined {
    return this._details.get(name);
  }

  async refresh(): Promise<void> {
    await this._fetch().catch(() => undefined);
  }

  /** A schedule fired by `cron`; `alerts`: who is told (the server checks them as --alert). */
  async add(
    cron: string,
    tz: string,
    parameters: Record<string, string>,
    name?: string,
    alerts: IAlertItem[] = []
  ): Promise<boolean> {
    return this._do(() => api.addSchedule({ path: this._path(), cron, tz, parameters, name, ...withAlerts(alerts) }));
  }

  /** A schedule fired by each message on the topic `source` (pulsar://host:port/topic). */
  async addTrigger(
    source: string,
    parameters: Record<string, string>,
    name?: string,
    alerts: IAlertItem[] = []
  ): Promise<boolean> {
    return this._do(() =>
      api.addSchedule({ path: this._path(), trigger: source, parameters, name, ...withAlerts(alerts) })
    );
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

  /** Poll while someone looks (the panel, while it shows this notebook); the first look is now. */
  watch(): void {
    if (!this._disposed) {
      void this.poll.start();
    }
  }

  /** Stop polling (the panel shows another notebook, or is hidden). */
  unwatch(): void {
    void this.poll.stop();
  }

  /** Polling, for tests and the token's users. */
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
      const reply = await api.schedules(this._path());
      this._list = reply.schedules;
      this._services = reply.services;
      // an action's error stays until the user acts again or dismisses it
      await Promise.all([...this._details.keys()].map(name => this._fetchDetails(name)));
    } catch (error) {
      this._error = message(error);
      throw error;
    } finally {
      this._loaded = true;
      if (!this._disposed) {
        this._changed.emit();
      }
    }
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

/** The body's `alerts`, left out when none (the request stays as it was without alerts). */
function withAlerts(alerts: IAlertItem[]): { alerts?: Record<string, unknown>[] } {
  return alerts.length ? { alerts: alerts.map(a => ({ ...a })) } : {};
}

function message(error: unknown): string {
  return error instanceof ApiError ? error.message : String(error);
}
