/**
 * The Run section of the panel: start a run (parameters, cache, start step), follow each step
 * live, cancel, open each executed step notebook, reach a failed step's cell, see metrics against
 * their targets and the MLflow run; past runs below open the same way.
 */
import { CommandRegistry } from '@lumino/commands';

import { FINAL_STATUSES, IPipeline, IRun } from '../api';
import { cellLabel, describeTarget, duration, parametersText, runSummary } from '../format';
import { targetBound, trend } from '../trend';
import { PipelineModel } from '../model';
import type { NotebookRuns } from '../runs';
import { h, section } from './react';
import type { ReactElement } from 'react';
import { IActionView } from './panel';
import { askRun } from './paramdialog';

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

export class RunView implements IActionView {
  readonly id = 'runs';

  /** `mlflowUrl`: the user's setting "MLflow tracking server URL" ('' when unknown). */
  constructor(
    private _commands: CommandRegistry,
    private _mlflowUrl: () => string = () => ''
  ) {}

  render(model: PipelineModel, pipeline: IPipeline | null): ReactElement | null {
    return this.section(model, pipeline, 'Save the notebook and run it as a pipeline', () =>
      this._start(model, pipeline)
    );
  }

  /**
   * The Run section for any source of runs: the button (`start` asks and starts), Cancel while
   * it runs, the run followed step by step, the recent runs.
   */
  section(
    model: IRunSource,
    pipeline: IPipeline | null,
    caption: string,
    start: () => Promise<void>
  ): ReactElement | null {
    const runs = model.runs;
    if (!this._loaded.has(model)) {
      this._loaded.add(model);
      void runs.loadRecent();
    }
    const run = runs.current;
    const running = !!run && (!FINAL_STATUSES.includes(run.status) || run.active);
    const errors = pipeline?.problems.filter(p => p.severity === 'error').length ?? 0;
    const button = h(
      'button',
      {
        class: 'jp-mod-styled jp-mod-accept nbo-button nbo-run-button',
        disabled: !pipeline || errors > 0 || running || runs.starting,
        title: errors ? 'Fix the problems below first' : caption,
        onclick: () => void start()
      },
      runs.starting ? 'Starting…' : 'Run pipeline'
    );
    return section(
      'Run',
      'nbo-run',
      h(
        'div',
        { class: 'nbo-buttons' },
        button,
        running
          ? h(
              'button',
              { class: 'jp-mod-styled jp-mod-warn nbo-button nbo-cancel-button', onclick: () => void runs.cancel() },
              'Cancel'
            )
          : null
      ),
      runs.error ? h('div', { class: 'nbo-error', role: 'alert' }, runs.error) : null,
      run ? this._runDetails(model, run) : null,
      runs.recent.length ? this._recent(model) : null
    );
  }

  private async _start(model: PipelineModel, pipeline: IPipeline | null): Promise<void> {
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
      await model.panel.context.save();
    }
    await model.runs.start(choice.parameters, {
      cache: choice.cache,
      fromStep: choice.fromStep,
      cluster: choice.cluster,
      dataUrl: choice.dataUrl
    });
  }

  private _runDetails(model: IRunSource, run: IRun): ReactElement {
    const steps = Object.entries(run.steps);
    const metrics = Object.entries(run.metrics ?? {});
    const targets = run.targets ?? [];
    const partial = steps.some(([, s]) => s.status === 'skipped') || !!run.from_step;
    const targeted = new Set(targets.map(t => t.metric));
    return h(
      'div',
      { class: `nbo-run-details nbo-run-${run.status}`, 'data-run': run.run_id },
      h(
        'div',
        { class: 'nbo-run-head' },
        h('span', { class: `nbo-status nbo-status-${run.status}` }, run.status.replace('_', ' ')),
        h('span', { class: 'nbo-help' }, ` run ${run.run_id}${run.duration_s ? ' · ' + duration(run.duration_s) : ''}`)
      ),
      // what the run was given: a past run shown again says which values made its results
      h(
        'div',
        { class: 'nbo-run-params nbo-mono', title: 'The parameters of this run' },
        Object.keys(run.parameters ?? {}).length ? parametersText(run.parameters) : 'no parameters'
      ),
      h(
        'ul',
        { class: 'nbo-step-runs' },
        steps.map(([name, step]) =>
          h(
            'li',
            { class: `nbo-step-run nbo-status-${step.status}`, 'data-step': name },
            h('span', { class: 'nbo-step-dot', style: `background:${model.colorOf(name)}` }),
            h('span', { class: 'nbo-step-run-name', title: name }, name),
            h(
              'span',
              { class: 'nbo-step-run-status' },
              step.cached && step.status === 'succeeded' ? 'cached' : step.status
            ),
            h('span', { class: 'nbo-help' }, duration(step.duration_s)),
            step.notebook && step.status !== 'pending' && step.status !== 'running'
              ? h(
                  'button',
                  {
                    class: 'nbo-link nbo-open-step',
                    title: 'Open the executed notebook of this step',
                    onclick: () =>
                      void this._commands.execute(OPEN_STEP_NOTEBOOK, {
                        path: model.path,
                        runId: run.run_id,
                        step: name
                      })
                  },
                  'open'
                )
              : null,
            step.error
              ? h(
                  'button',
                  {
                    class: 'nbo-step-error nbo-clickable',
                    title:
                      typeof step.cell === 'number'
                        ? `Go to the cell that failed (${cellLabel(step.cell)})`
                        : `Go to the first code cell of step ${name}`,
                    onclick: () =>
                      typeof step.cell === 'number' ? model.selectFailedCell(name, step.cell) : model.selectStep(name)
                  },
                  step.error
                )
              : null
          )
        )
      ),
      targets.length
        ? h(
            'ul',
            { class: 'nbo-targets' },
            targets.map(t => {
              const d = describeTarget(t, partial);
              return h(
                'li',
                { class: `nbo-target nbo-target-${d.state}`, 'data-metric': t.metric },
                d.text,
                this._trend(model, run, t.metric, targetBound(t.condition))
              );
            })
          )
        : null,
      metrics.some(([k]) => !targeted.has(k))
        ? h(
            'div',
            { class: 'nbo-metrics' },
            metrics
              .filter(([k]) => !targeted.has(k))
              .map(([k, v]) =>
                h(
                  'span',
                  { class: 'nbo-metric', 'data-metric': k },
                  `${k} = ${typeof v === 'number' ? +v.toFixed(4) : v}`
                )
              )
          )
        : null,
      run.error ? h('div', { class: 'nbo-error' }, run.error) : null,
      this._mlflow(run)
    );
  }

  /** The metric over the last runs (oldest first, this one last), with the target's line. */
  private _trend(model: IRunSource, run: IRun, metric: string, bound: number | null): SVGSVGElement | null {
    const older = model.runs.recent.filter(r => r.run_id < run.run_id).reverse();
    const runs = [...older.slice(-9), run];
    const values = runs.map(r => (typeof r.metrics?.[metric] === 'number' ? r.metrics[metric] : null));
    const geometry = trend(values, 120, 28, bound);
    if (!geometry) {
      return null;
    }
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('class', 'nbo-trend');
    svg.setAttribute('width', '120');
    svg.setAttribute('height', '28');
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', `${metric} over the last ${runs.length} runs`);
    const add = (tag: string, attrs: Record<string, string | number>) => {
      const el = document.createElementNS(ns, tag);
      Object.entries(attrs).forEach(([k, v]) => el.setAttribute(k, String(v)));
      svg.appendChild(el);
      return el;
    };
    if (geometry.targetY !== null) {
      add('line', { x1: 0, x2: 120, y1: geometry.targetY, y2: geometry.targetY, class: 'nbo-trend-target' });
    }
    add('path', { d: geometry.path, class: 'nbo-trend-line' });
    for (const p of geometry.points) {
      add('circle', { cx: p.x, cy: p.y, r: 2, class: 'nbo-trend-dot' }).appendChild(
        Object.assign(document.createElementNS(ns, 'title'), { textContent: `${metric} = ${+p.value.toFixed(4)}` })
      );
    }
    return svg;
  }

  private _mlflow(run: IRun): ReactElement | null {
    const m = run.mlflow;
    if (!m || !m.run_id) {
      return null;
    }
    const url = mlflowRunUrl(run, this._mlflowUrl());
    if (url) {
      return h(
        'div',
        { class: 'nbo-mlflow' },
        'MLflow run ',
        h('a', { class: 'nbo-mlflow-link', href: url, target: '_blank', rel: 'noopener' }, m.run_id.slice(0, 8))
      );
    }
    const command = `mlflow ui --backend-store-uri ${m.tracking_uri}`;
    return h(
      'div',
      { class: 'nbo-mlflow', title: `${m.tracking_uri}\nSee it with: ${command}` },
      `MLflow run ${m.run_id.slice(0, 8)} (local store) `,
      h(
        'button',
        {
          class: 'nbo-link nbo-copy-mlflow',
          title: `${command}\n(set the MLflow server URL in Settings › Notebook pipeline for a link)`,
          onclick: async (e: Event) => {
            // a note beside the button that no render owns (it has no children to redraw)
            const feedback = (e.currentTarget as HTMLElement).parentElement?.querySelector('.nbo-copied');
            let note = ' copied';
            try {
              await navigator.clipboard.writeText(command);
            } catch {
              note = ` ${command}`;
            }
            if (feedback) {
              feedback.textContent = note;
            }
          }
        },
        'copy the mlflow ui command'
      ),
      h('span', { class: 'nbo-help nbo-copied', 'aria-live': 'polite' })
    );
  }

  private _recent(model: IRunSource): ReactElement {
    const shown = model.runs.current?.run_id;
    return h(
      'details',
      {
        class: 'nbo-recent-runs',
        open: this._recentOpen,
        ontoggle: (e: Event) => (this._recentOpen = (e.target as HTMLDetailsElement).open)
      },
      h('summary', {}, `Recent runs (${model.runs.recent.length})`),
      h(
        'ul',
        {},
        model.runs.recent.map(r =>
          h(
            'li',
            {},
            h(
              'button',
              {
                class: `nbo-recent-run nbo-clickable${r.run_id === shown ? ' nbo-selected' : ''}`,
                title: 'Show this run: its steps, executed notebooks, metrics',
                onclick: () => model.runs.show(r),
                'data-run': r.run_id
              },
              h('span', { class: `nbo-status nbo-status-${r.status}` }, r.status.replace('_', ' ')),
              h(
                'span',
                { class: 'nbo-recent-run-text', title: `run ${r.run_id}\n${parametersText(r.parameters)}` },
                ` ${runSummary(r)}`
              )
            )
          )
        )
      )
    );
  }

  private _loaded = new WeakSet<IRunSource>();
  private _recentOpen = false;
}
