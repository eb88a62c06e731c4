/** The panel's words about runs: the header's state, a past run's line, its parameters. */
import { parametersText, readiness, runSummary, untagged } from '../src/format';

describe('the header', () => {
  it('says running during a run, ready after, and the errors first', () => {
    expect(readiness(0, true)).toBe('running…');
    expect(readiness(0, false)).toBe('ready');
    expect(readiness(2, true)).toBe('2 errors');
  });

  it('knows a notebook with no step tagged yet (its implicit "main")', () => {
    expect(untagged([{ start_cell: null }])).toBe(true);
    expect(untagged([{ start_cell: 3 }])).toBe(false);
    expect(untagged([{ start_cell: null }, { start_cell: 4 }])).toBe(false);
  });
});

describe('a past run', () => {
  const run = {
    run_id: '20261207-001200-abc123',
    started_at: '2026-12-07T00:12:00Z',
    duration_s: 42,
    parameters: { n_customers: 1500, region: 'eu', verbose: true }
  };

  it('shows its parameters as Python spells them', () => {
    expect(parametersText(run.parameters)).toBe('n_customers = 1500 · region = "eu" · verbose = True');
    expect(parametersText({})).toBe('');
  });

  it('is a line with when, how long and with what, not a bare id', () => {
    const line = runSummary(run, { timeZone: 'UTC', locale: 'en-GB' });
    expect(line).toBe('7 Dec 2026, 00:12 · 42.0 s · n_customers = 1500 · region = "eu" · verbose = True');
    expect(line).not.toContain(run.run_id);
    const short = runSummary(run, { timeZone: 'UTC', locale: 'en-GB', width: 20 });
    expect(short.endsWith('n_customers = 1500…')).toBe(true);
  });

  it('has no start time when its run.json could not be read (no 1970 date)', () => {
    const unreadable = { started_at: null, duration_s: null, parameters: {} };
    expect(runSummary(unreadable, { timeZone: 'UTC', locale: 'en-GB' })).toBe('');
  });
});
