import { costText, kpiOf, kpiSeries, lineageText, targetChecks, targetText, verdictText } from '../src/registry';
import type { ModelVersionView, RegisteredModelView } from '../src/schemas/types';

function version(n: number, over: Partial<ModelVersionView> = {}): ModelVersionView {
  return {
    version: n,
    aliases: [],
    created_at: '',
    pipeline: 'churn',
    run_id: `run-${n}`,
    step: 'train',
    git_commit: null,
    bundle: null,
    bundle_version: null,
    parameters: {},
    status: 'succeeded',
    metrics: {},
    targets: {},
    cpu_s: null,
    duration_s: null,
    gate: null,
    promotions: [],
    ...over
  };
}

describe('a version as the Models section shows it', () => {
  it('reads each target with its measured value, met or missed', () => {
    const v = version(1, {
      metrics: { accuracy: 0.8412345, loss: 0.2 },
      targets: { loss: '<= 0.1 -> missed', accuracy: '>= 0.8 -> met' }
    });
    const checks = targetChecks(v);
    expect(checks.map(c => [c.metric, c.condition, c.met])).toEqual([
      ['accuracy', '>= 0.8', true],
      ['loss', '<= 0.1', false]
    ]);
    expect(targetText(checks[0])).toBe('accuracy = 0.8412 (target >= 0.8: met)');
    expect(targetText({ metric: 'auc', condition: '>= 0.9', met: false, value: null })).toBe(
      'auc = not measured (target >= 0.9: missed)'
    );
  });

  it('gives the cost, in money when the pipeline sets a price per CPU hour', () => {
    expect(costText(version(1))).toBe('');
    expect(costText(version(1, { cpu_s: 36, duration_s: 8.14 }))).toBe('36.0 s CPU · 8.1 s wall');
    expect(costText(version(1, { cpu_s: 36 }), 0.5)).toBe('36.0 s CPU · 0.0050 per run');
  });

  it('says where it came from in one line', () => {
    expect(lineageText(version(3, { bundle: 'churn', bundle_version: '1.2.0', git_commit: 'abcdef0123456' }))).toBe(
      'run run-3 · step train · bundle churn 1.2.0 · commit abcdef01'
    );
    expect(lineageText(version(1, { run_id: null, step: null }))).toBe('logged outside a pipeline run');
    expect(verdictText(version(1))).toBe('');
    expect(verdictText(version(1, { gate: { passed: false, reasons: ['x'] } }))).toBe('gate refuses');
  });

  it('plots the first target metric across versions, oldest first, with the bound', () => {
    const model: RegisteredModelView = {
      name: 'm',
      aliases: {},
      total_versions: 3,
      versions: [
        version(3, { metrics: { accuracy: 0.9 }, targets: { accuracy: '>= 0.85 -> met' } }),
        version(2, { metrics: {}, targets: {} }),
        version(1, { metrics: { accuracy: 0.7 }, targets: { accuracy: '>= 0.8 -> missed' } })
      ]
    };
    expect(kpiOf(model)).toBe('accuracy');
    expect(kpiSeries(model, 'accuracy')).toEqual({ values: [0.7, null, 0.9], bound: 0.85 });
    expect(kpiOf({ ...model, versions: [version(1)] })).toBeNull();
  });
});
