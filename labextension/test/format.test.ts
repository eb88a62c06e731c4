import { assignColors, colorOf, PALETTE, StepColors } from '../src/colors';
import {
  cellLabel,
  checkParameter,
  clusterProblem,
  count,
  describeTarget,
  formatValue,
  outputLabels,
  proofStatus,
  zonedTime
} from '../src/format';
import { targetBound, trend } from '../src/trend';
import type { ProofProgress as RestProofProgress } from '../src/api';
import type { ProofRecord } from '../src/api';
import { asAttribute, fit, pan, zoom } from '../src/viewport';

describe('words and numbers', () => {
  it('counts in the singular and the plural', () => {
    expect(count(1, 'step')).toBe('1 step');
    expect(count(13, 'step')).toBe('13 steps');
    expect(count(0, 'error')).toBe('0 errors');
  });

  it('numbers cells as JupyterLab does', () => {
    expect(cellLabel(0)).toBe('cell 1');
    expect(cellLabel(33)).toBe('cell 34');
  });

  it('shows Python values as the notebook does', () => {
    expect(formatValue('a')).toBe('"a"');
    expect(formatValue(null)).toBe('None');
    expect(formatValue(true)).toBe('True');
    expect(formatValue([1, 2])).toBe('[1,2]');
  });

  it("gives a time in the schedule's own zone, labelled", () => {
    expect(zonedTime('2026-12-07T05:00:00Z', 'Europe/Paris', 'en-GB')).toBe('7 Dec 2026, 06:00 Europe/Paris');
    expect(zonedTime(null, 'UTC')).toBe('–');
    expect(zonedTime('2026-12-07T05:00:00Z', 'Nowhere/Else', 'en-GB')).toBe('7 Dec 2026, 05:00 UTC');
  });
});

describe('parameter values checked as the runner converts them', () => {
  it.each([
    ['int', '42', null],
    ['int', '-3', null],
    ['int', 'lots', '"lots" is not a whole number (int)'],
    ['int', '7.5', '"7.5" is not a whole number (int)'],
    ['float', '0.1', null],
    ['float', '1e-3', null],
    ['float', 'abc', '"abc" is not a number (float)'],
    ['bool', 'y', null],
    ['bool', 'False', null],
    ['bool', 'maybe', '"maybe" is not True or False (bool)'],
    ['str', 'anything', null],
    ['list', '[1, 2]', null],
    ['list', "['a', None, True]", null],
    ['list', '(1, 2)', null],
    ['list', '{"a": 1}', '"{"a": 1}" is not a list'],
    ['dict', "{'a': 1}", null],
    ['dict', '[1', '"[1" is not a dict literal, e.g. {"a": 1}'],
    ['NoneType', 'whatever', null]
  ])('%s %s', (type, text, expected) => {
    expect(checkParameter(type, text)).toBe(expected);
  });
});

describe('metric targets', () => {
  it('shows the value against the target', () => {
    expect(describeTarget({ metric: 'accuracy', condition: '>= 0.8', value: 0.81234, met: true })).toEqual({
      text: 'accuracy = 0.8123 (target >= 0.8: met)',
      state: 'met'
    });
    expect(describeTarget({ metric: 'accuracy', condition: '>= 0.9', value: 0.8, met: false }).state).toBe('missed');
  });

  it('says why a metric was not measured', () => {
    expect(describeTarget({ metric: 'latency', condition: '<= 5', value: null, met: false })).toEqual({
      text: 'latency <= 5: not measured: no step logged "latency" (log it in a step with nbo.log_metric)',
      state: 'missed'
    });
    expect(describeTarget({ metric: 'latency', condition: '<= 5', value: null, met: null }, true)).toEqual({
      text: 'latency <= 5: not measured: this run did not run the step that logs it',
      state: 'unmeasured'
    });
  });
});

describe('step colours', () => {
  it('come from the name alone', () => {
    expect(colorOf('train')).toBe(colorOf('train'));
    expect(PALETTE).toContain(colorOf('anything'));
    const names = Array.from({ length: 40 }, (_, i) => `step_${i}`);
    expect(new Set(names.map(colorOf)).size).toBeGreaterThan(8);
  });

  it('differ within a pipeline, and a new step moves at most the colour it takes', () => {
    const steps = ['load', 'clean', 'featurize', 'train_linear', 'train_tree', 'train_forest', 'train_knn', 'compare'];
    const before = assignColors(steps);
    expect(new Set(before.values()).size).toBe(steps.length);
    const after = assignColors([...steps, 'report']);
    const moved = steps.filter(s => before.get(s) !== after.get(s));
    expect(moved.length).toBeLessThanOrEqual(1);
    expect(new Set(after.values()).size).toBe(steps.length + 1);
  });

  it("are a step's own in every view, whichever steps a view draws", () => {
    // a notebook alone and the folder pipeline holding it: different sets of names
    const notebook = ['load', 'clean', 'featurize', 'train_linear', 'train_tree'];
    const folder = [...notebook, 'train_forest', 'train_knn', 'compare', 'report', 'a', 'b', 'c'];
    // on separate palettes one step at least comes out in two colours (the defect)
    const apart = [assignColors(notebook), assignColors(folder)];
    expect(notebook.some(s => apart[0].get(s) !== apart[1].get(s))).toBe(true);
    // on the lab's one palette, in either order of opening, each step keeps one colour
    for (const [first, second] of [
      [notebook, folder],
      [folder, notebook]
    ]) {
      const palette = new StepColors();
      const one = palette.assign(first);
      const two = palette.assign(second);
      for (const s of notebook) {
        expect(two.get(s)).toBe(one.get(s));
      }
      expect(new Set(two.values()).size).toBe(new Set(second).size);
      expect(new Set(palette.assign(folder).values()).size).toBe(folder.length);
    }
  });
});

describe('zoom and pan of the graph tab', () => {
  it('fits, zooms around the centre, pans in drawing units', () => {
    expect(fit(200, 100)).toEqual({ x: -8, y: -8, w: 216, h: 116 });
    const zoomed = zoom({ x: 0, y: 0, w: 200, h: 100 }, 2);
    expect(zoomed).toEqual({ x: 50, y: 25, w: 100, h: 50 });
    expect(pan(zoomed, 10, 0, 100, 50)).toEqual({ x: 40, y: 25, w: 100, h: 50 });
    expect(zoom(zoomed, 0.5)).toEqual({ x: 0, y: 0, w: 200, h: 100 });
    expect(asAttribute({ x: 0.123, y: 1, w: 2, h: 3 })).toBe('0.12 1 2 3');
  });
});

describe('a metric over the last runs', () => {
  it('draws the measured runs, oldest first, with the target line', () => {
    const t = trend([0.8, null, 0.9], 100, 20, 0.85)!;
    expect(t.points.map(p => p.value)).toEqual([0.8, 0.9]);
    expect(t.points[0].x).toBeLessThan(t.points[1].x);
    expect(t.points[0].y).toBeGreaterThan(t.points[1].y); // higher value, higher on screen
    expect(t.targetY).toBeGreaterThan(t.points[1].y);
    expect(t.targetY).toBeLessThan(t.points[0].y);
    expect(t.path).toMatch(/^M[\d.]+,[\d.]+ L[\d.]+,[\d.]+$/);
  });

  it('needs two measured runs', () => {
    expect(trend([0.8, null], 100, 20)).toBeNull();
    expect(targetBound('>= 0.8')).toBe(0.8);
    expect(targetBound('< -1e-3')).toBe(-0.001);
  });
});

describe('outputLabels', () => {
  it('marks outputs changed in place, as inspect does', () => {
    expect(outputLabels({ outputs: ['X', 'model'], changed: ['model'] })).toEqual(['X', 'model (changed)']);
    expect(outputLabels({ outputs: ['df'] })).toEqual(['df']);
  });
});

describe("the Run dialog's cluster", () => {
  it('takes a Dask scheduler address, local, or nothing (this server)', () => {
    expect(clusterProblem('')).toBe('');
    expect(clusterProblem(' local ')).toBe('');
    expect(clusterProblem('tcp://10.0.0.5:8786')).toBe('');
    expect(clusterProblem('10.0.0.5:8786')).toMatch(/not a Dask scheduler address: write tcp:\/\/HOST:8786/);
  });
});

describe('proofStatus', () => {
  const progress = (over: Partial<RestProofProgress>): RestProofProgress => ({
    id: '0123456789ab',
    notebook: 'churn.ipynb',
    bundle: 'dist/churn-v1',
    state: 'building_env',
    message: 'building the clean environment from requirements.txt ...',
    step: null,
    step_index: null,
    steps_total: null,
    proof: null,
    error: null,
    started_at: '2026-12-06T21:00:00Z',
    finished_at: null,
    ...over
  });
  const record = (proven: boolean, summary: string): ProofRecord => ({
    bundle: 'churn',
    version: 1,
    content_sha256: 'abc',
    proven,
    date: '2026-12-06T21:01:00Z',
    python: '3.11.2',
    platform: 'Linux x86_64',
    env_builder: 'uv',
    env_build_s: 0,
    env_cached: true,
    source_run: 'r1',
    steps: {},
    summary,
    rtol: 1e-6,
    notebook_ops_version: '0.1',
    duration_s: 12
  });

  it('says the env is being built, then which step of how many runs', () => {
    expect(proofStatus(progress({}))).toEqual({
      text: 'Proving: building the clean environment from requirements.txt…',
      tone: 'running'
    });
    const step = proofStatus(progress({ state: 'running_step', step: 'train', step_index: 2, steps_total: 3 }));
    expect(step).toEqual({ text: 'Proving: step 2 of 3, train…', tone: 'running' });
  });

  it("ends with the proof's own line: proven, or the failing step's problem", () => {
    const ok = record(true, 'proven 2026-12-06, Python 3.11.2, Linux x86_64: 3/3 steps equal to run r1');
    expect(proofStatus(progress({ state: 'done', proof: ok }))).toEqual({ text: ok.summary, tone: 'proven' });
    const bad = record(false, "step train: module 'sklearn' is not in requirements.txt: install it and export again");
    expect(proofStatus(progress({ state: 'done', proof: bad }))).toEqual({ text: bad.summary, tone: 'failed' });
  });

  it('names why a proof could not run', () => {
    const stopped = proofStatus(progress({ state: 'error', error: 'no proof 0123456789ab in this server' }));
    expect(stopped).toEqual({ text: 'Not proven: no proof 0123456789ab in this server', tone: 'failed' });
  });
});
