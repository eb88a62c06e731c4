/**
 * @jest-environment jsdom
 */
/**
 * Issue 25: past runs in full and two compared (the words and numbers, the compare view), export
 * refused before the click (outside-project), and the graph tab's Fit at a readable scale.
 */
import React, { act } from 'react';
import { createRoot, Root } from 'react-dom/client';

import { IPipeline, IProblem, IRunComparison } from '../src/api';
import { comparePair, signed, stepCost, targetChange } from '../src/format';
import { NotebookRuns } from '../src/runs';
import { fit, fitReadable, MIN_FIT_SCALE, scaleOf } from '../src/viewport';
import { CompareView } from '../src/views/compareview';
import { exportRefusal } from '../src/views/exportview';
import { statusLabel } from '../src/views/lanesview';

(globalThis as unknown as { IS_REACT_ACT_ENVIRONMENT: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

describe('a past run in full', () => {
  it("says what a step's run cost, and nothing when it was not measured", () => {
    expect(stepCost({ cpu_s: 0.4249, peak_mem_mb: 95.6 })).toBe('0.42 s CPU · 96 MiB');
    expect(stepCost({ cpu_s: 1.5 })).toBe('1.50 s CPU');
    expect(stepCost({ cpu_s: null, peak_mem_mb: null })).toBe('');
    expect(stepCost({})).toBe('');
  });

  it('marks a failed step with a sign that needs no colour', () => {
    expect(statusLabel('failed')).toBe('✗ failed');
    expect(statusLabel('succeeded')).toBe('succeeded');
  });
});

describe('two runs compared', () => {
  it('shows a change with its sign', () => {
    expect(signed(7)).toBe('+7');
    expect(signed(-0.25)).toBe('-0.25');
    expect(signed(0)).toBe('±0');
    expect(signed(0.123456789)).toBe('+0.1235');
    expect(signed(null)).toBe('');
    expect(signed(NaN)).toBe('');
  });

  it("gives each run's verdict against the target", () => {
    expect(targetChange({ target: '>= 5', met_a: false, met_b: true })).toBe('>= 5: missed → met');
    expect(targetChange({ target: '>= 5', met_a: null, met_b: true })).toBe('>= 5: not measured → met');
    expect(targetChange({ target: null, met_a: null, met_b: null })).toBe('');
  });

  it('puts the older of the two runs first, whichever was ticked first', () => {
    const older = { run_id: 'r1', started_at: '2026-12-07T06:00:00Z' };
    const newer = { run_id: 'r2', started_at: '2026-12-07T07:00:00Z' };
    expect(comparePair([newer, older])).toEqual([older, newer]);
    expect(comparePair([older, newer])).toEqual([older, newer]);
    expect(comparePair([older])).toBeNull();
  });

  it('keeps at most two runs ticked, the last two', () => {
    const runs = new NotebookRuns(() => 'n.ipynb');
    runs.pick('a');
    runs.pick('b');
    runs.pick('c');
    expect(runs.picked).toEqual(['b', 'c']);
    runs.pick('b');
    expect(runs.picked).toEqual(['c']);
    runs.dispose();
  });
});

const side = (run_id: string, status: string, duration_s: number) => ({
  run_id,
  status,
  started_at: null,
  duration_s,
  cpu_s: 1,
  peak_mem_mb: 50,
  commit: null,
  bundle_version: null
});
const stepSide = (status: string | null, cached: boolean, duration_s: number | null) => ({
  status,
  cached,
  duration_s,
  cpu_s: null,
  peak_mem_mb: null
});

const comparison = {
  a: side('20261207-060000-aaaaaa', 'below_target', 12),
  b: side('20261207-070000-bbbbbb', 'succeeded', 2.5),
  parameters: [
    { name: 'n', a: 3, b: 5, changed: true },
    { name: 'label', a: 'x', b: 'x', changed: false }
  ],
  metrics: [{ name: 'total', a: 3, b: 10, delta: 7, target: '>= 5', met_a: false, met_b: true }],
  steps: [
    {
      name: 'make',
      a: stepSide('succeeded', false, 11),
      b: stepSide('succeeded', true, 0),
      outcome_a: 're-ran',
      outcome_b: 'reused',
      same_inputs: true,
      duration_delta_s: null
    },
    {
      name: 'add',
      a: stepSide('succeeded', false, 0.5),
      b: stepSide('failed', false, 2.1),
      outcome_a: 're-ran',
      outcome_b: 'failed',
      same_inputs: false,
      duration_delta_s: 1.6
    }
  ],
  duration_delta_s: -9.5,
  cpu_delta_s: 0
} as unknown as IRunComparison;

describe('the compare view', () => {
  let host: HTMLDivElement;
  let root: Root;
  beforeEach(() => {
    host = document.createElement('div');
    document.body.appendChild(host);
    root = createRoot(host);
  });
  afterEach(() => {
    act(() => root.unmount());
    host.remove();
  });

  it('shows the parameters that differ, the metrics with deltas and each step a → b; Close hides it', () => {
    const runs = new NotebookRuns(() => 'n.ipynb');
    (runs as unknown as { _comparison: IRunComparison })._comparison = comparison;
    act(() => root.render(<CompareView runs={runs} />));
    const text = (sel: string) => host.querySelector(sel)?.textContent;
    expect(host.querySelectorAll('[data-parameter]')).toHaveLength(1);
    expect(text('[data-parameter="n"]')).toBe('n3 → 5');
    expect(text('.nbo-compare-params .nbo-help')).toBe('1 the same');
    expect(text('[data-metric="total"] .nbo-compare-delta')).toBe('+7');
    expect(text('[data-metric="total"] .nbo-compare-verdict')).toBe('✓');
    expect(host.querySelector('[data-metric="total"]')!.getAttribute('title')).toBe('>= 5: missed → met');
    expect(text('[data-step="make"] .nbo-compare-outcome-b')).toBe('reused');
    expect(host.querySelector('[data-step="add"]')!.className).toContain('nbo-outcome-failed');
    expect(text('[data-step="add"] .nbo-compare-time')).toBe('0.5 s → 2.1 s');
    expect(text('.nbo-compare-total')).toBe('wall -9.5 s · CPU ±0 s (b − a)');
    act(() => (host.querySelector('.nbo-compare-close') as HTMLButtonElement).click());
    expect(runs.comparison).toBeNull();
    runs.dispose();
  });
});

describe('export refused before the click', () => {
  const withProblems = (problems: Partial<IProblem>[]) => ({ problems }) as unknown as IPipeline;

  it('says why, naming the cell as JupyterLab numbers it', () => {
    const outside: Partial<IProblem> = { code: 'outside-project', severity: 'warning', cell: 3, message: 'reads ...' };
    expect(exportRefusal(withProblems([outside]))).toBe(
      'Export would be refused: a file outside the project (cell 4). See Problems for the fix.'
    );
    expect(exportRefusal(withProblems([outside, { ...outside, cell: null }]))).toContain('2 files');
  });

  it('is null when nothing would refuse it', () => {
    expect(exportRefusal(withProblems([{ code: 'missing-file', severity: 'warning', cell: 1 }]))).toBeNull();
    expect(exportRefusal(null)).toBeNull();
  });
});

describe("the graph tab's Fit", () => {
  it('fits a small graph whole', () => {
    expect(fitReadable(200, 100, 800, 600)).toEqual(fit(200, 100));
  });

  it('never shrinks a big graph below the readable scale: its top shows, the rest pans', () => {
    const box = fitReadable(700, 1400, 600, 500);
    expect(scaleOf(box, 600, 500)).toBeCloseTo(MIN_FIT_SCALE);
    expect(box.y).toBe(fit(700, 1400).y); // from the top
    expect(box.x).toBe(fit(700, 1400).x); // wider than the view: from the left
    expect(scaleOf(fit(700, 1400), 600, 500)).toBeLessThan(MIN_FIT_SCALE); // what Fit did before
    // a tall, narrow graph is centred across
    const narrow = fitReadable(160, 1400, 800, 500);
    expect(narrow.x + narrow.w / 2).toBeCloseTo(80);
  });

  it('fits whole before the view has a size', () => {
    expect(fitReadable(700, 1400, 0, 0)).toEqual(fit(700, 1400));
  });
});
