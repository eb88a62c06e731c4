/**
 * Two past runs side by side, under Recent runs: the parameters that differ, the metrics with
 * their change (b - a) and each run's verdict against the target, and per step whether run b
 * reused its outputs or ran it again, with its times. The server computes the comparison (the
 * same as `notebook-ops runs compare`); this only renders the source's NotebookRuns.comparison.
 */
import React from 'react';

import { IRunComparison } from '../api';
import { duration, formatValue, signed, targetChange } from '../format';
import type { NotebookRuns } from '../runs';

const OUTCOME_TIP: Record<string, string> = {
  reused: 'its outputs were reused from the cache: it did not run',
  're-ran': 'it ran',
  failed: 'it failed',
  'not run': 'it did not run (skipped, cancelled or never reached)',
  absent: 'this run has no such step'
};

function value(v: unknown): string {
  return v === null || v === undefined ? '–' : typeof v === 'number' ? String(+v.toPrecision(6)) : formatValue(v);
}

function runLabel(side: IRunComparison['a'], tag: string): string {
  const where = side.bundle_version ? ` · bundle v${side.bundle_version}` : '';
  return `${tag}: ${side.run_id} · ${side.status.replace('_', ' ')}${where}${side.duration_s ? ' · ' + duration(side.duration_s) : ''}`;
}

export function CompareView({ runs }: { runs: NotebookRuns }): JSX.Element | null {
  const cmp = runs.comparison;
  if (!cmp) {
    return null;
  }
  const changed = cmp.parameters.filter(p => p.changed);
  const same = cmp.parameters.length - changed.length;
  return (
    <div
      className="nbo-compare"
      data-a={cmp.a.run_id}
      data-b={cmp.b.run_id}
      role="region"
      aria-label="Two runs compared"
    >
      <div className="nbo-compare-head">
        <strong>Runs compared</strong>
        <button
          className="nbo-link nbo-compare-close"
          aria-label="Close the comparison"
          onClick={() => runs.closeComparison()}
        >
          Close
        </button>
      </div>
      <div className="nbo-compare-run nbo-help" title={runLabel(cmp.a, 'a')}>
        {runLabel(cmp.a, 'a')}
      </div>
      <div className="nbo-compare-run nbo-help" title={runLabel(cmp.b, 'b')}>
        {runLabel(cmp.b, 'b')}
      </div>
      <table className="nbo-compare-table nbo-compare-params">
        <caption>{changed.length ? 'Parameters that differ' : 'Parameters'}</caption>
        <tbody>
          {changed.map(p => (
            <tr key={p.name} data-parameter={p.name}>
              <th scope="row" title={p.name}>
                {p.name}
              </th>
              <td
                className="nbo-mono"
                title={`a: ${value(p.a)}\nb: ${value(p.b)}`}
              >{`${value(p.a)} → ${value(p.b)}`}</td>
            </tr>
          ))}
          <tr className="nbo-help">
            <td colSpan={2}>{changed.length ? `${same} the same` : same ? `all ${same} the same` : 'no parameters'}</td>
          </tr>
        </tbody>
      </table>
      {cmp.metrics.length ? (
        <table className="nbo-compare-table nbo-compare-metrics">
          <caption>Metrics: a → b (b − a)</caption>
          <tbody>
            {cmp.metrics.map(m => (
              <tr key={m.name} data-metric={m.name} title={targetChange(m)}>
                <th scope="row" title={m.name}>
                  {m.name}
                </th>
                <td className="nbo-mono">
                  <span className="nbo-compare-values">{`${value(m.a)} → ${value(m.b)}`}</span>
                  <span className="nbo-compare-delta">{signed(m.delta)}</span>
                </td>
                <td className={`nbo-compare-verdict${m.met_b === false ? ' nbo-missed' : m.met_b ? ' nbo-met' : ''}`}>
                  {m.target ? (m.met_b === null ? '–' : m.met_b ? '✓' : '✗') : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <table className="nbo-compare-table nbo-compare-steps">
        <caption>Steps: a → b</caption>
        <tbody>
          {cmp.steps.map(s => (
            <tr key={s.name} data-step={s.name} className={`nbo-outcome-${s.outcome_b.replace(' ', '-')}`}>
              <th scope="row" title={s.name}>
                {s.name}
              </th>
              <td title={`a: ${OUTCOME_TIP[s.outcome_a]}\nb: ${OUTCOME_TIP[s.outcome_b]}`}>
                <span className="nbo-compare-outcomes">
                  <span className="nbo-compare-outcome">{s.outcome_a}</span>
                  {' → '}
                  <span className="nbo-compare-outcome nbo-compare-outcome-b">{s.outcome_b}</span>
                </span>
                <span
                  className="nbo-help nbo-compare-time"
                  title={
                    s.same_inputs === null
                      ? ''
                      : s.same_inputs
                        ? 'same inputs (code, parameters, data)'
                        : 'inputs changed'
                  }
                >
                  {`${duration(s.a.duration_s) || '–'} → ${duration(s.b.duration_s) || '–'}`}
                </span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="nbo-help nbo-compare-total">
        {`wall ${signed(cmp.duration_delta_s, 3) || '–'} s · CPU ${signed(cmp.cpu_delta_s, 3) || '–'} s (b − a)`}
      </div>
    </div>
  );
}
