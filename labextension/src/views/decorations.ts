/**
 * Cell decorations: a badge with the step name (in the step's colour) on the cell that starts a
 * step, a coloured edge on every cell of a step, and labels on parameters / setup cells; skipped
 * cells look muted; a stale step's cells get a dashed edge and its badge says why (stale.ts).
 * Renders the notebook's PipelineModel; holds no state of its own.
 */
import { Cell } from '@jupyterlab/cells';
import { NotebookPanel } from '@jupyterlab/notebook';
import { IDisposable } from '@lumino/disposable';

import { ICellInfo, PipelineModel } from '../model';
import { IStepStaleness, staleLabel, staleTip } from '../stale';

const CLASSES = [
  'nbo-cell',
  'nbo-badged',
  'nbo-step-start',
  'nbo-role-parameters',
  'nbo-role-setup',
  'nbo-role-skip',
  'nbo-role-metrics',
  'nbo-has-problem',
  'nbo-stale'
];
const BADGE = 'nbo-cell-badge';
const ROLE_LABELS: Record<string, string> = {
  parameters: 'parameters',
  setup: 'setup · runs before every step',
  skip: 'skipped in the pipeline',
  metrics: 'metrics · logged after its step'
};

export class CellDecorations implements IDisposable {
  constructor(
    private _panel: NotebookPanel,
    private _model: PipelineModel
  ) {
    _model.changed.connect(this._render, this);
    // New or moved cell widgets must be decorated even when the pipeline did not change.
    _panel.content.model?.cells.changed.connect(this._scheduleRender, this);
    _panel.content.modelChanged.connect(this._scheduleRender, this);
    this._render();
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._model.changed.disconnect(this._render, this);
    this._panel.content.model?.cells.changed.disconnect(this._scheduleRender, this);
  }

  private _scheduleRender(): void {
    requestAnimationFrame(() => this._render());
  }

  private _render(): void {
    if (this._disposed || this._panel.isDisposed) {
      return;
    }
    const problems = new Map<number, string[]>();
    for (const p of this._model.pipeline?.problems ?? []) {
      if (p.cell !== null && p.severity !== 'info') {
        problems.set(p.cell, [...(problems.get(p.cell) ?? []), p.message]);
      }
    }
    const infos = this._model.cells;
    const stale = this._model.staleSteps();
    this._panel.content.widgets.forEach((cell, index) => {
      const info = infos[index];
      if (info) {
        const verdict = info.step && info.role !== 'skip' ? stale.get(info.step) : undefined;
        this._decorate(cell, info, problems.get(index) ?? [], verdict);
      }
    });
  }

  private _decorate(cell: Cell, info: ICellInfo, problems: string[], stale?: IStepStaleness): void {
    const node = cell.node;
    node.classList.remove(...CLASSES);
    node.style.removeProperty('--nbo-step-color');
    delete node.dataset.nboStep;
    let badge = node.querySelector(`:scope > .${BADGE}`) as HTMLElement | null;
    let label = '';
    if (info.step && info.role !== 'skip') {
      node.classList.add('nbo-cell');
      node.dataset.nboStep = info.step;
      node.style.setProperty('--nbo-step-color', this._model.colorOf(info.step));
    }
    if (info.starts) {
      node.classList.add('nbo-step-start');
      label = `step ${info.step}` + (info.after.length ? `  ·  after ${info.after.join(', ')}` : '');
    } else if (info.role in ROLE_LABELS) {
      node.classList.add(`nbo-role-${info.role}`);
      label = ROLE_LABELS[info.role];
    }
    if (problems.length) {
      node.classList.add('nbo-has-problem');
    }
    if (stale) {
      node.classList.add('nbo-stale');
    }
    const stalePill = stale && info.starts;
    if (!label && !problems.length && !info.links.length) {
      badge?.remove();
      return;
    }
    // Positioned absolutely at the top of the cell (which gets room for it): lazily rendered
    // cells add their children later, so DOM order cannot be relied on.
    node.classList.add('nbo-badged');
    if (!badge) {
      badge = document.createElement('div');
      badge.className = BADGE;
      node.appendChild(badge);
    }
    badge.textContent = '';
    if (label) {
      const pill = document.createElement('span');
      pill.className = 'nbo-cell-badge-label';
      pill.textContent = label;
      badge.appendChild(pill);
    }
    for (const link of info.links) {
      const pill = document.createElement('button');
      pill.className = 'nbo-cell-badge-link';
      pill.dataset.step = link.step;
      pill.textContent = link.label;
      pill.title = `Runs after step ${link.step} of ${link.notebook}: open it`;
      pill.style.setProperty('--nbo-link-color', this._model.colorOf(link.step));
      pill.onclick = () => this._model.selectStep(link.step);
      badge.appendChild(pill);
    }
    if (stalePill) {
      const mark = document.createElement('span');
      mark.className = 'nbo-cell-badge-stale';
      mark.dataset.nboState = stale.state;
      mark.textContent = staleLabel(stale);
      mark.title = staleTip(stale);
      badge.appendChild(mark);
    }
    if (problems.length) {
      const warn = document.createElement('span');
      warn.className = 'nbo-cell-badge-problem';
      warn.textContent = `⚠ ${problems[0]}` + (problems.length > 1 ? ` (+${problems.length - 1})` : '');
      warn.title = problems.join('\n');
      badge.appendChild(warn);
    }
  }

  private _disposed = false;
}
