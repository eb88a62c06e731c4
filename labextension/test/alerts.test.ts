/** The alert helpers the Schedule form and the Settings share: drafts, what is saved, words. */
import {
  alertOf,
  alertsOf,
  conditionWords,
  draftProblem,
  emptyAlertDraft,
  settingsAlerts,
  settingsRefusal,
  withAlert,
  withoutAlert
} from '../src/alerts';

describe('an alert draft', () => {
  it('starts on every condition and needs a destination', () => {
    const draft = emptyAlertDraft();
    expect(draft.on).toEqual(['run.failed', 'target.missed', 'model.promoted', 'schedule.missed']);
    expect(draftProblem(draft)).toContain('needs a destination');
    expect(draftProblem({ ...draft, to: '   ' })).toContain('needs a destination');
    expect(draftProblem({ ...draft, to: 'mailto:ops@example.com' })).toBeNull();
  });

  it('needs at least one condition', () => {
    expect(draftProblem({ to: 'env:HOOK', on: [] })).toContain('at least one condition');
  });

  it('is saved trimmed, without `on` when every condition is ticked, else in the CLI order', () => {
    expect(alertOf({ ...emptyAlertDraft(), to: '  env:HOOK ' })).toEqual({ to: 'env:HOOK' });
    expect(alertOf({ to: 'env:HOOK', on: ['schedule.missed', 'run.failed'] })).toEqual({
      to: 'env:HOOK',
      on: ['run.failed', 'schedule.missed']
    });
  });

  it("sends only a schedule's rows with a destination", () => {
    expect(alertsOf([emptyAlertDraft(), { to: 'mailto:a@example.com', on: ['run.failed'] }])).toEqual([
      { to: 'mailto:a@example.com', on: ['run.failed'] }
    ]);
  });
});

describe("the settings' alerts", () => {
  it('reads a plain destination as every condition and keeps objects', () => {
    expect(settingsAlerts({ alerts: ['env:A', { to: 'mailto:b@example.com', on: ['model.promoted'] }] })).toEqual([
      { to: 'env:A' },
      { to: 'mailto:b@example.com', on: ['model.promoted'] }
    ]);
    expect(settingsAlerts({})).toEqual([]);
  });

  it('adds last and removes by position, leaving the others as written', () => {
    const list = withAlert(['env:A'], { to: 'env:B', on: ['run.failed'] });
    expect(list).toEqual(['env:A', { to: 'env:B', on: ['run.failed'] }]);
    expect(withoutAlert(list, 0)).toEqual([{ to: 'env:B', on: ['run.failed'] }]);
    expect(withoutAlert(undefined, 0)).toEqual([]);
  });

  it('refuses a destination with its credential in clear, naming it as shown and the fix', () => {
    const view = {
      to: 'https://hooks.slack.com/services/***',
      on: ['run.failed' as const],
      format: 'auto' as const,
      kind: 'webhook' as const,
      carries_credential: true
    };
    const refusal = settingsRefusal(view)!;
    expect(refusal).toContain('https://hooks.slack.com/services/*** carries a credential');
    expect(refusal).toContain('env:NAME');
    expect(settingsRefusal({ ...view, carries_credential: false })).toBeNull();
  });
});

describe('conditions in words', () => {
  it('says "every condition" for all four, else names them', () => {
    expect(conditionWords(emptyAlertDraft().on)).toBe('every condition');
    expect(conditionWords(['run.failed', 'schedule.missed'])).toBe('run failed, schedule missed');
  });
});
