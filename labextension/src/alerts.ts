/**
 * Alerts as the lab edits them: a destination and the conditions it is sent on, in a schedule
 * (the Schedule section's form) or in the notebook's pipeline settings (`metadata.notebook_ops
 * .alerts`). The server checks them with the parser the CLI's `--alert` uses and sends them back
 * masked (POST alert-checks); the lab shows only what comes back, so a credential typed once is
 * never shown again. Pure helpers here; the views hold the drafts.
 */
import { api, ApiError, IAlertView, IPipelineSettings } from './api';

export type Condition = IAlertView['on'][number];

/** The conditions in the order the CLI lists them, with the words the forms use. */
export const CONDITIONS: { value: Condition; label: string }[] = [
  { value: 'run.failed', label: 'run failed' },
  { value: 'target.missed', label: 'metric below target' },
  { value: 'model.promoted', label: 'model promoted' },
  { value: 'schedule.missed', label: 'schedule missed' }
];

/** One alert as typed: the destination's text and the conditions ticked. */
export interface IAlertDraft {
  to: string;
  on: Condition[];
}

/** An alert as the settings and the REST API take it (`{to, on?}`: no `on` is every condition). */
export interface IAlertItem {
  to: string;
  on?: Condition[];
  format?: IAlertView['format'];
}

export const emptyAlertDraft = (): IAlertDraft => ({ to: '', on: CONDITIONS.map(c => c.value) });

/** Why a draft cannot be sent yet (nothing typed, no condition ticked), or null. */
export function draftProblem(draft: IAlertDraft): string | null {
  if (!draft.to.trim()) {
    return 'An alert needs a destination: https://..., mailto:ops@example.com or env:NAME.';
  }
  if (!draft.on.length) {
    return 'Tick at least one condition the alert is sent on.';
  }
  return null;
}

/** The draft as saved: trimmed, conditions in the CLI's order, `on` left out when all are ticked. */
export function alertOf(draft: IAlertDraft): IAlertItem {
  const on = CONDITIONS.map(c => c.value).filter(c => draft.on.includes(c));
  return on.length === CONDITIONS.length ? { to: draft.to.trim() } : { to: draft.to.trim(), on };
}

/** The drafts a schedule is created with: the ones with a destination typed. */
export function alertsOf(drafts: IAlertDraft[]): IAlertItem[] {
  return drafts.filter(d => d.to.trim()).map(alertOf);
}

/** An item of `metadata.notebook_ops.alerts` (a destination, or `{to, on?, format?}`). */
export type SettingsAlert = NonNullable<IPipelineSettings['alerts']>[number];

/** The settings' alerts with `item` added last (written as typed; `alertOf` never empties `on`). */
export function withAlert(list: readonly SettingsAlert[] | undefined, item: IAlertItem): SettingsAlert[] {
  return [...(list ?? []), item as SettingsAlert];
}

/** The settings' alerts without the `index`-th (the order the server shows them in). */
export function withoutAlert(list: readonly SettingsAlert[] | undefined, index: number): SettingsAlert[] {
  return (list ?? []).filter((_, i) => i !== index);
}

/** The settings' alerts as objects (a plain string there is a destination on every condition). */
export function settingsAlerts(settings: IPipelineSettings): IAlertItem[] {
  return (settings.alerts ?? []).map(a =>
    typeof a === 'string' ? { to: a } : { ...a, on: a.on ? [...a.on] : undefined }
  );
}

/** The conditions of an alert in words ("every condition" when all four). */
export function conditionWords(on: readonly string[]): string {
  if (CONDITIONS.every(c => on.includes(c.value))) {
    return 'every condition';
  }
  return on.map(v => CONDITIONS.find(c => c.value === v)?.label ?? v).join(', ');
}

/**
 * Why the pipeline settings refuse an alert the server found valid: a destination written with
 * its credential in clear (a Slack or Teams webhook URL) would sit in a notebook that is shared
 * and committed, and an export refuses it; `env:NAME` keeps it on the machine that sends it.
 */
export function settingsRefusal(view: IAlertView): string | null {
  return view.carries_credential
    ? `${view.to} carries a credential: the notebook is shared and committed. ` +
        'Write env:NAME here and set NAME where the alerts are sent.'
    : null;
}

/**
 * One test message to the draft's destination, sent now by the Jupyter server (`env:NAME` and the
 * SMTP settings read from its environment): what to say either way (a destination refused, or one
 * that did not take it), the destination masked.
 */
export async function sendTestAlert(draft: IAlertDraft, pipeline?: string): Promise<{ ok: boolean; text: string }> {
  const item = alertOf(draft);
  try {
    const on = item.on ?? CONDITIONS.map(c => c.value);
    const reply = await api.testAlert({ to: item.to, on, format: item.format ?? 'auto', pipeline: pipeline ?? null });
    return reply.delivered
      ? { ok: true, text: `Test alert sent to ${reply.alert.to}.` }
      : { ok: false, text: reply.error ?? `The test alert to ${reply.alert.to} was not delivered.` };
  } catch (error) {
    return { ok: false, text: error instanceof ApiError ? error.message : String(error) };
  }
}

/** The alerts as the server shows them (masked), or its one-line reason for refusing one. */
export async function checkAlerts(items: IAlertItem[]): Promise<{ shown: IAlertView[] } | { error: string }> {
  try {
    return { shown: (await api.checkAlerts(items)).alerts };
  } catch (error) {
    return { error: error instanceof ApiError ? error.message : String(error) };
  }
}
