/**
 * The Run section of the panel: start a run (parameters, cache, start step), follow each step
 * live, cancel, open each executed step notebook, reach a failed step's cell, see metrics against
 * their targets, each step's time and cost (CPU seconds, peak memory) and the MLflow run; past
 * runs below open the same way, and two of them ticked compare side by side (compareview.tsx).
 * It renders the source's NotebookRuns, which fetches and polls (runs.ts); the section only asks
 * it to act.
 */
import { CommandRegistry } from '@lumino/commands';
import React, { useState } from 'react';

import { FINAL_STATUSES, IPipeline, IRun } from '../api';
import { cellLabel, describeTarget, duration, parametersText, runSummary, stepCost } from '../format';
import { targetBound } from '../trend';
import { PipelineModel } from '../model';
import type { NotebookRuns } from '../runs';
import { CompareView } from './compareview';
import { statusLabel } from './lanesview';
import { askRun } from './paramdialog';
import { Section } from './section';
import { Trend } from './trendplot';
import { saveFirst } from '../savefirst';

export const OPEN_STEP_NOTEBOOK = 'notebook-ops:open-step-notebook';

/** The MLflow run's page on a tracking server, when its URL is known. */
export function mlflowRunUrl(run: IRun, serverUrl: string): string | null {
  const m = run.mlflow;
  if (!m || !m.run_id) {
    return null;
  }
  const base = m.tracking_uri && /^https?:/.test(m.tracking_uri) ? m.tracking_uri : serverUrl;
  if (!base) {
    return null;
  }
  return `${base.replace(/\/+$/, '')}/#/experiments/${m.experiment_id}/runs/${m.run_id}`;
}

/**
 * What has runs the Run section follows: a notebook's PipelineModel, or a folder of notebooks'
 * FolderModel (the folder view shows the same section).
 */
export interface IRunSource {
  /** The server path runs start from (a notebook, or a folder). */
  readonly path: string;
  readonly runs: NotebookRuns;
  colorOf(step: string): string;
  /** Show where a step's code is (its first code cell, or its notebook). */
  selectStep(step: string): void;
  /** Show the cell a step failed in (`cell`: its 0-based index in the step's notebook). */
  selectFailedCell(step: string, cell: number): void;
}

export interface IRunSectionProps {
  source: IRunSource;
  pipeline: IPipeline | null;
  /** The Run button's tooltip. */
  caption: string;
  /** Ask for the run's choices and start it. */
  start: () => Promise<void>;
  commands: CommandRegistry;
  /** The user's setting "MLflow tracking server URL" ('' when unknown). */
  mlflowUrl: () => string;
}

/** Ask a notebook's run choices (the Run dialog), save the notebook, start the run. */
export async function startNotebookRun(model: PipelineModel, pipeline: IPipeline | null): Promise<void> {
  if (!pipeline) {
    return;
  }
  const choice = await askRun(
    model.path,
    pipeline.name,
    pipeline.parameters,
    pipeline.steps.map(s => s.name),
    String(model.settings.cluster ?? '')
  );
  if (choice === null) {
    return;
  }
  if (model.panel.context.model.dirty) {
    await saveFirst(model.panel.context);
  }
  await model.runs.start(choice.parameters, {
    cache: choice.cache,
    fromStep: choice.fromStep,
    cluster: choice.cluster,
    dataUrl: choice.dataUrl
  });
}

/** The button (`start` asks and starts), Cancel while it runs, the run step by step, the recent runs. */
export function RunSection(props: IRunSectionProps): JSX.Element {
  const { source, pipeline } = props;
  const runs = source.runs;
  const run = runs.current;
  const running = !!run && (!FINAL_STATUSES.includes(run.status) || run.active);
  const errors = pipeline?.problems.filter(p => p.severity === 'error').length ?? 0;
  return (
    <Section title="Run" cls="nbo-run">
      <div className="nbo-buttons">
        <button
          className="jp-mod-styled jp-mod-accept nbo-button nbo-run-button"
          disabled={!pipeline || errors > 0 || running || runs.starting}
          title={errors ? 'Fix the problems below first' : props.caption}
          onClick={() => void props.start()}
        >
          {runs.starting ? 'Starting…' : 'Run pipeline'}
        </button>
        {running ? (
          <button className="jp-mod-styled jp-mod-warn nbo-button nbo-cancel-button" onClick={() => void runs.cancel()}>
            Cancel
          </button>
        ) : null}
      </div>
      {runs.error ? (
        <div className="nbo-error" role="alert">
          {runs.error}
        </div>
      ) : null}
      {run ? <RunDetails source={source} run={run} commands={props.commands} mlflowUrl={props.mlflowUrl} /> : null}
      {runs.recent.length ? <RecentRuns runs={runs} /> : null}
      <CompareView runs={runs} />
    </Section>
  );
}

interface IRunDetailsProps {
  source: IRunSource;
  run: IRun;
  commands: CommandRegistry;
  mlflowUrl: () => string;
}

function RunDetails({ source, run, commands, mlflowUrl }: IRunDetailsProps): JSX.Element {
  const steps = Object.entries(run.steps);
  const metrics = Object.entries(run.metrics ?? {});
  const targets = run.targets ?? [];
  const partial = steps.some(([, s]) => s.status === 'skipped') || !!run.from_step;
  const targeted = new Set(targets.map(t => t.metric));
  const untargeted = metrics.filter(([k]) => !targeted.has(k));
  return (
    <div className={`nbo-run-details nbo-run-${run.status}`} data-run={run.run_id}>
      <div className="nbo-run-head">
        <span className={`nbo-status nbo-status-${run.status}`}>{run.status.replace('_', ' ')}</span>
        <span className="nbo-help">{` run ${run.run_id}${run.duration_s ? ' · ' + duration(run.duration_s) : ''}`}</span>
        {stepCost(run) ? (
          <span className="nbo-help nbo-run-cost" title="CPU seconds of all steps · the highest peak memory of one">
            {` · ${stepCost(run)}`}
          </span>
        ) : null}
      </div>
      {/* what the run was given: a past run shown again says which values made its results */}
      <div className="nbo-run-params nbo-mono" title="The parameters of this run">
        {Object.keys(run.parameters ?? {}).length ? parametersText(run.parameters) : 'no parameters'}
      </div>
      <ul className="nbo-step-runs">
        {steps.map(([name, step]) => (
          <li key={name} className={`nbo-step-run nbo-status-${step.status}`} data-step={name}>
            <span className="nbo-step-dot" style={{ background: source.colorOf(name) }} />
            <span className="nbo-step-run-name" title={name}>
              {name}
            </span>
            <span
              className="nbo-step-run-status"
              title={
                step.cached && step.status === 'succeeded'
                  ? `reused: its outputs came from the cache${step.reused ? ' (' + step.reused + ')' : ''}, it did not run`
                  : step.status
              }
            >
              {step.cached && step.status === 'succeeded' ? 'cached' : statusLabel(step.status)}
            </span>
            <span className="nbo-help" title="wall time">
              {duration(step.duration_s)}
            </span>
            {step.notebook && step.status !== 'pending' && step.status !== 'running' ? (
              <button
                className="nbo-link nbo-open-step"
                title="Open the executed notebook of this step"
                onClick={() =>
                  void commands.execute(OPEN_STEP_NOTEBOOK, { path: source.path, runId: run.run_id, step: name })
                }
              >
                open
              </button>
            ) : null}
            {stepCost(step) ? (
              <span className="nbo-step-cost nbo-help" title="CPU seconds used · peak memory (its kernel and children)">
                {stepCost(step)}
              </span>
            ) : null}
            {step.error ? (
              <button
                className="nbo-step-error nbo-clickable"
                title={
                  typeof step.cell === 'number'
                    ? `Go to the cell that failed (${cellLabel(step.cell)})`
                    : `Go to the first code cell of step ${name}`
                }
                onClick={() =>
                  typeof step.cell === 'number' ? source.selectFailedCell(name, step.cell) : source.selectStep(name)
                }
              >
                {step.error}
              </button>
            ) : null}
          </li>
        ))}
      </ul>
      {targets.length ? (
        <ul className="nbo-targets">
          {targets.map(t => {
            const d = describeTarget(t, partial);
            return (
              <li key={t.metric} className={`nbo-target nbo-target-${d.state}`} data-metric={t.metric}>
                {d.text}
                <Trend runs={source.runs} run={run} metric={t.metric} bound={targetBound(t.condition)} />
              </li>
            );
          })}
        </ul>
      ) : null}
      {untargeted.length ? (
        <div className="nbo-metrics">
          {untargeted.map(([k, v]) => (
            <span key={k} className="nbo-metric" data-metric={k}>
              {`${k} = ${typeof v === 'number' ? +v.toFixed(4) : v}`}
            </span>
          ))}
        </div>
      ) : null}
      {run.error ? <div className="nbo-error">{run.error}</div> : null}
      <MlflowRun run={run} mlflowUrl={mlflowUrl} />
    </div>
  );
}

/** The run's MLflow page, or how to see a local store (a command to copy). */
function MlflowRun({ run, mlflowUrl }: { run: IRun; mlflowUrl: () => string }): JSX.Element | null {
  const [copied, setCopied] = useState('');
  const m = run.mlflow;
  if (!m || !m.run_id) {
    return null;
  }
  const url = mlflowRunUrl(run, mlflowUrl());
  if (url) {
    return (
      <div className="nbo-mlflow">
        {'MLflow run '}
        <a className="nbo-mlflow-link" href={url} target="_blank" rel="noopener">
          {m.run_id.slice(0, 8)}
        </a>
      </div>
    );
  }
  const command = `mlflow ui --backend-store-uri ${m.tracking_uri}`;
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(command);
      setCopied(' copied');
    } catch {
      setCopied(` ${command}`);
    }
  };
  return (
    <div className="nbo-mlflow" title={`${m.tracking_uri}\nSee it with: ${command}`}>
      {`MLflow run ${m.run_id.slice(0, 8)} (local store) `}
      <button
        className="nbo-link nbo-copy-mlflow"
        title={`${command}\n(set the MLflow server URL in Settings › Notebook pipeline for a link)`}
        onClick={() => void copy()}
      >
        copy the mlflow ui command
      </button>
      <span className="nbo-help nbo-copied" aria-live="polite">
        {copied}
      </span>
    </div>
  );
}

/** The recent runs, folded; a click shows one above. */
function RecentRuns({ runs }: { runs: NotebookRuns }): JSX.Element {
  const [open, setOpen] = useState(false);
  const shown = runs.current?.run_id;
  const picked = runs.picked;
  return (
    <details
      className="nbo-recent-runs"
      open={open}
      onToggle={e => setOpen((e.currentTarget as HTMLDetailsElement).open)}
    >
      <summary>{`Recent runs (${runs.recent.length})`}</summary>
      <div className="nbo-compare-bar nbo-help">
        {picked.length === 2 ? (
          <button className="jp-mod-styled nbo-button nbo-compare-button" onClick={() => void runs.compare()}>
            Compare the two runs
          </button>
        ) : (
          `Tick two runs to compare them${picked.length ? ' (1 ticked)' : ''}`
        )}
      </div>
      <ul>
        {runs.recent.map(r => (
          <li key={r.run_id} className="nbo-recent-item">
            <input
              type="checkbox"
              className="nbo-compare-pick"
              checked={picked.includes(r.run_id)}
              aria-label={`Compare run ${r.run_id}`}
              title="Tick two runs to compare them side by side"
              onChange={() => runs.pick(r.run_id)}
            />
            <button
              className={`nbo-recent-run nbo-clickable${r.run_id === shown ? ' nbo-selected' : ''}`}
              title="Show this run: its steps, executed notebooks, metrics"
              onClick={() => runs.show(r)}
              data-run={r.run_id}
            >
              <span className={`nbo-status nbo-status-${r.status}`}>{r.status.replace('_', ' ')}</span>
              <span className="nbo-recent-run-text" title={`run ${r.run_id}\n${parametersText(r.parameters)}`}>
                {` ${runSummary(r)}`}
              </span>
            </button>
          </li>
        ))}
      </ul>
    </details>
  );
}
