/**
 * The Schedule section: a cron schedule on the notebook (described in words as you type), its
 * time zone and parameters, or a trigger schedule fired by messages on a topic; the list with next firings and last run, pause/resume, run now,
 * remove and recent runs; and whether a scheduler service is running to fire them.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import cronstrue from 'cronstrue';

import { IPipeline, ISchedule } from '../api';
import { supportedTimeZones, timeZoneChoices, zonedTime } from '../format';
import { PipelineModel } from '../model';
import { h, section } from './react';
import type { ReactElement } from 'react';
import { IActionView } from './panel';

/** The cron in words, or why it is not valid. */
export function describeCron(expr: string): { text: string; ok: boolean } {
  const trimmed = expr.trim();
  if (!trimmed) {
    return { text: 'e.g. 0 6 * * 1 (every Monday at 06:00)', ok: false };
  }
  const fields = trimmed.split(/\s+/).length;
  if (!trimmed.startsWith('@') && fields !== 5 && fields !== 6) {
    return { text: `5 fields (minute hour day month weekday), or 6 with seconds first; got ${fields}`, ok: false };
  }
  try {
    return { text: cronstrue.toString(trimmed, { use24HourTimeFormat: true, verbose: false }), ok: true };
  } catch (error) {
    return { text: String(error).replace(/^Error:\s*/, ''), ok: false };
  }
}

/** A topic URL a trigger schedule can listen on, or why not (the server checks it fully). */
export function describeTopic(url: string): { text: string; ok: boolean } {
  const trimmed = url.trim();
  if (!trimmed) {
    return { text: 'e.g. pulsar://broker:6650/new-data', ok: false };
  }
  if (!/^pulsar(\+ssl)?:\/\/[^/\s]+\/\S+$/.test(trimmed)) {
    return { text: 'pulsar://host:port/topic (or pulsar+ssl://)', ok: false };
  }
  return { text: 'A run per message; parameters may use {{ message.FIELD }}', ok: true };
}

interface IDraft {
  kind: 'cron' | 'trigger';
  source: string;
  cron: string;
  tz: string;
  name: string;
  params: Record<string, string>;
  /** The parameters section is open (kept across the periodic refresh). */
  paramsOpen: boolean;
}

/** A firing's trigger in words (the scheduler's cron | catchup | manual | message). */
const TRIGGER_WORDS: Record<string, string> = {
  cron: 'on schedule',
  catchup: 'caught up',
  manual: 'run now',
  message: 'by message'
};

export class ScheduleView implements IActionView {
  readonly id = 'schedules';

  constructor(private _hostScheduler: () => Promise<void>) {}

  render(model: PipelineModel, pipeline: IPipeline | null): ReactElement | null {
    const schedules = model.schedules;
    if (!this._seen.has(model)) {
      this._seen.add(model);
      void schedules.refresh();
    }
    // polled while the panel shows this notebook (the panel stops it when it switches)
    schedules.watch();
    const draft = this._draft(model);
    const byMessage = draft.kind === 'trigger';
    const described = byMessage ? describeTopic(draft.source) : describeCron(draft.cron);
    const description = h('div', { class: `nbo-cron-text${described.ok ? '' : ' nbo-cron-invalid'}` }, described.text);
    const add = h(
      'button',
      {
        class: 'jp-mod-styled jp-mod-accept nbo-button nbo-add-schedule',
        disabled: !described.ok || !pipeline,
        onclick: async () => {
          const name = draft.name.trim() || undefined;
          const ok = byMessage
            ? await schedules.addTrigger(draft.source.trim(), draft.params, name)
            : await schedules.add(draft.cron.trim(), draft.tz, draft.params, name);
          if (ok) {
            this._drafts.delete(model);
          }
        }
      },
      'Add schedule'
    );
    // the description and the button follow what is typed: a redraw keeps the field as it is
    const onChange = () => model.schedules.touch();
    const kindSelect = h(
      'select',
      {
        class: 'jp-mod-styled nbo-input nbo-schedule-kind',
        'aria-label': 'fires on',
        onchange: (e: Event) => {
          draft.kind = (e.target as HTMLSelectElement).value as IDraft['kind'];
          model.schedules.touch();
        }
      },
      h('option', { value: 'cron', selected: !byMessage }, 'a cron clock'),
      h('option', { value: 'trigger', selected: byMessage }, 'each message on a topic')
    );
    const topicInput = h('input', {
      type: 'text',
      class: 'jp-mod-styled nbo-input nbo-mono nbo-topic',
      value: draft.source,
      placeholder: 'pulsar://broker:6650/new-data',
      'aria-label': 'topic URL',
      oninput: (e: Event) => {
        draft.source = (e.target as HTMLInputElement).value;
        onChange();
      }
    });
    const cronInput = h('input', {
      type: 'text',
      class: 'jp-mod-styled nbo-input nbo-mono nbo-cron',
      value: draft.cron,
      placeholder: '0 6 * * 1',
      'aria-label': 'cron expression',
      oninput: (e: Event) => {
        draft.cron = (e.target as HTMLInputElement).value;
        onChange();
      }
    });
    const nameInput = h('input', {
      type: 'text',
      class: 'jp-mod-styled nbo-input nbo-schedule-name',
      value: draft.name,
      placeholder: pipeline?.name ?? '',
      'aria-label': 'schedule name',
      oninput: (e: Event) => (draft.name = (e.target as HTMLInputElement).value)
    });
    // a pick from the zones the browser knows, its own first (jupyter-scheduler does the same)
    const tzSelect = h(
      'select',
      {
        class: 'jp-mod-styled nbo-input nbo-schedule-tz',
        'aria-label': 'time zone',
        onchange: (e: Event) => (draft.tz = (e.target as HTMLSelectElement).value)
      },
      this._zones().map(z => h('option', { value: z, selected: z === draft.tz }, z))
    );
    const params = pipeline?.parameters ?? [];
    const form = h(
      'div',
      { class: 'nbo-form nbo-schedule-form' },
      h('label', { class: 'nbo-field' }, h('span', { class: 'nbo-field-label' }, 'fires on'), kindSelect),
      byMessage
        ? h('label', { class: 'nbo-field' }, h('span', { class: 'nbo-field-label' }, 'topic'), topicInput, description)
        : h('label', { class: 'nbo-field' }, h('span', { class: 'nbo-field-label' }, 'cron'), cronInput, description),
      byMessage
        ? null
        : h('label', { class: 'nbo-field' }, h('span', { class: 'nbo-field-label' }, 'time zone'), tzSelect),
      h('label', { class: 'nbo-field' }, h('span', { class: 'nbo-field-label' }, 'name (optional)'), nameInput),
      params.length
        ? h(
            'details',
            {
              class: 'nbo-schedule-params',
              open: draft.paramsOpen || Object.keys(draft.params).length > 0,
              ontoggle: (e: Event) => (draft.paramsOpen = (e.target as HTMLDetailsElement).open)
            },
            h(
              'summary',
              {},
              byMessage
                ? "Parameters (none filled: the message's top-level fields are the parameters; {{ message.FIELD }} takes one field)"
                : 'Parameters (empty: the notebook default; {{ scheduled_date }} is the firing day)'
            ),
            params.map(p =>
              h(
                'label',
                { class: 'nbo-field' },
                h('span', { class: 'nbo-field-label' }, `${p.name} (${p.type})`),
                h('input', {
                  type: 'text',
                  class: 'jp-mod-styled nbo-input nbo-mono',
                  name: p.name,
                  value: draft.params[p.name] ?? '',
                  placeholder: String(p.default),
                  oninput: (e: Event) => {
                    const v = (e.target as HTMLInputElement).value;
                    if (v.trim()) {
                      draft.params[p.name] = v.trim();
                    } else {
                      delete draft.params[p.name];
                    }
                  }
                })
              )
            )
          )
        : null,
      h('div', { class: 'nbo-buttons' }, add)
    );
    return section(
      'Schedule',
      'nbo-schedule',
      this._service(model),
      form,
      schedules.error
        ? h(
            'div',
            { class: 'nbo-error', role: 'alert' },
            schedules.error,
            h('button', { class: 'nbo-link nbo-dismiss', title: 'Dismiss', onclick: () => schedules.clearError() }, '×')
          )
        : null,
      schedules.notice
        ? h(
            'div',
            { class: 'nbo-warning nbo-schedule-notice', role: 'status' },
            schedules.notice,
            h(
              'button',
              { class: 'nbo-link nbo-dismiss', title: 'Dismiss', onclick: () => schedules.clearNotice() },
              '×'
            )
          )
        : null,
      schedules.list.length
        ? h(
            'ul',
            { class: 'nbo-schedule-list' },
            schedules.list.map(s => this._item(model, s))
          )
        : schedules.loaded
          ? h('p', { class: 'nbo-empty' }, 'No schedules on this notebook.')
          : null
    );
  }

  private _service(model: PipelineModel): ReactElement | null {
    const services = model.schedules.services;
    if (!model.schedules.loaded) {
      return null;
    }
    if (services.length) {
      const kinds = services.map(s => String(s.kind ?? 'service'));
      return h(
        'p',
        { class: 'nbo-help nbo-scheduler-on' },
        `Schedules fire: a scheduler service is running (${kinds.join(', ')}).`
      );
    }
    return h(
      'div',
      { class: 'nbo-warning nbo-scheduler-off' },
      'No scheduler service is running, so schedules will not fire. ',
      h(
        'button',
        {
          class: 'nbo-link nbo-host-scheduler',
          onclick: async () => {
            await this._hostScheduler();
            await model.schedules.refresh();
          }
        },
        'Host it in this Jupyter server'
      ),
      ' (or run notebook-ops scheduler).'
    );
  }

  private _item(model: PipelineModel, s: ISchedule): ReactElement {
    const schedules = model.schedules;
    const details = schedules.details(s.name);
    const last = s.last_run;
    const byMessage = s.kind === 'trigger';
    return h(
      'li',
      { class: `nbo-schedule-item${s.paused ? ' nbo-paused' : ''}`, 'data-schedule': s.name },
      h(
        'div',
        { class: 'nbo-schedule-head' },
        h('strong', {}, s.name),
        byMessage ? h('code', { class: 'nbo-schedule-source' }, s.source ?? '') : h('code', {}, s.cron),
        byMessage ? null : h('span', { class: 'nbo-help' }, s.tz)
      ),
      h(
        'div',
        { class: 'nbo-help' },
        byMessage ? `A run per message (subscription ${s.subscription ?? ''})` : describeCron(s.cron).text
      ),
      h(
        'div',
        { class: 'nbo-schedule-next' },
        s.paused ? 'paused' : byMessage ? 'listening' : this._upcoming(s),
        last
          ? h('span', { class: `nbo-status nbo-status-${last.state}` }, `last: ${last.state.replace('_', ' ')}`)
          : null
      ),
      h(
        'div',
        { class: 'nbo-buttons' },
        h(
          'button',
          { class: 'nbo-link nbo-pause', onclick: () => void schedules.setPaused(s.name, !s.paused) },
          s.paused ? 'Resume' : 'Pause'
        ),
        byMessage
          ? null
          : h('button', { class: 'nbo-link nbo-run-now', onclick: () => void schedules.runNow(s.name) }, 'Run now'),
        h(
          'button',
          { class: 'nbo-link nbo-history', onclick: () => void schedules.toggleDetails(s.name) },
          details ? 'Hide runs' : 'Recent runs'
        ),
        h(
          'button',
          {
            class: 'nbo-link nbo-remove',
            onclick: async () => {
              const answer = await showDialog({
                title: 'Remove schedule',
                body: `Remove the schedule "${s.name}" and its history of firings? Runs it made stay.`,
                buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Remove' })]
              });
              if (answer.button.accept) {
                await schedules.remove(s.name);
              }
            }
          },
          'Remove'
        )
      ),
      details
        ? h(
            'ul',
            { class: 'nbo-schedule-runs' },
            (details.recent_runs ?? []).length
              ? (details.recent_runs ?? []).map(r =>
                  h(
                    'li',
                    { 'data-state': r.state },
                    h('span', { class: `nbo-status nbo-status-${r.state}` }, r.state.replace('_', ' ')),
                    ` ${zonedTime(r.scheduled_for, s.tz || 'UTC')} · ${TRIGGER_WORDS[r.trigger] ?? r.trigger}`,
                    r.run_id ? ' · ' : null,
                    r.run_id
                      ? h(
                          'button',
                          {
                            class: 'nbo-link nbo-open-scheduled-run',
                            title: 'Show this run in the Run section: steps, executed notebooks, metrics',
                            onclick: () => void model.runs.showById(r.run_id!)
                          },
                          'open the run'
                        )
                      : null,
                    r.state === 'pending' && !schedules.services.length
                      ? h(
                          'div',
                          { class: 'nbo-warning' },
                          'Waiting for a scheduler service: none is running to start it.'
                        )
                      : null,
                    r.error ? h('div', { class: 'nbo-step-error' }, r.error) : null
                  )
                )
              : h('li', { class: 'nbo-help' }, 'No firings yet.')
          )
        : null
    );
  }

  /** The next five firings, the first as "next" (the server lists them: scheduler/api.py). */
  private _upcoming(s: ISchedule): ReactElement {
    const tz = s.tz || 'UTC';
    const times = s.upcoming.length ? s.upcoming : s.next_fire_at ? [s.next_fire_at] : [];
    return h(
      'div',
      { class: 'nbo-schedule-upcoming' },
      `next: ${zonedTime(times[0], tz)}`,
      times.length > 1
        ? h(
            'ul',
            { class: 'nbo-upcoming-list', 'aria-label': 'the firings after the next' },
            times.slice(1, 5).map(t => h('li', {}, `then ${zonedTime(t, tz)}`))
          )
        : null
    );
  }

  private _zones(): string[] {
    if (!this._zoneList) {
      this._zoneList = timeZoneChoices(Intl.DateTimeFormat().resolvedOptions().timeZone, supportedTimeZones());
    }
    return this._zoneList;
  }

  private _zoneList: string[] | null = null;

  private _draft(model: PipelineModel): IDraft {
    let draft = this._drafts.get(model);
    if (!draft) {
      draft = {
        kind: 'cron',
        source: '',
        cron: '',
        tz: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC',
        name: '',
        params: {},
        paramsOpen: false
      };
      this._drafts.set(model, draft);
    }
    return draft;
  }

  private _seen = new WeakSet<PipelineModel>();
  // released with the notebook's model when it closes
  private _drafts = new WeakMap<PipelineModel, IDraft>();
}
