/**
 * The step graph as a main-area tab, for pipelines too wide for the sidebar: each step with its
 * inputs and outputs, edges labelled with the data they carry; fit, zoom (buttons, ctrl+wheel)
 * and pan (drag). Follows the notebook's model while it is open.
 */
import { ReactWidget } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';
import type { ReactElement } from 'react';

import { PipelineModel } from '../model';
import { asAttribute, fit, IViewBox, pan, zoom } from '../viewport';
import { h } from './dom';
import { renderGraph } from './graph';
import { notebooksLine } from './lanesview';

export class GraphTab extends Widget {
  constructor(readonly model: PipelineModel) {
    super();
    this.addClass('nbo-graph-tab');
    this.id = `notebook-ops-graph-${model.panel.id}`;
    this.title.label = `Pipeline · ${model.panel.title.label}`;
    this.title.caption = `Step graph of ${model.path}`;
    this.title.closable = true;
    const button = (label: string, title: string, cls: string, onclick: () => void) =>
      h('button', { class: `jp-mod-styled nbo-button nbo-zoom ${cls}`, title, 'aria-label': title, onclick }, label);
    this.node.append(
      h(
        'div',
        { class: 'nbo-graph-toolbar' },
        button('Fit', 'Fit the whole graph', 'nbo-zoom-fit', () => this._fit()),
        button('+', 'Zoom in', 'nbo-zoom-in', () => this._zoom(1.25)),
        button('−', 'Zoom out', 'nbo-zoom-out', () => this._zoom(0.8)),
        this._notebooks.node
      ),
      this._host
    );
    this._host.className = 'nbo-graph-host';
    this._host.addEventListener('wheel', this._onWheel, { passive: false });
    this._host.addEventListener('pointerdown', this._onDown);
    model.changed.connect(this._render, this);
    model.panel.disposed.connect(() => this.dispose());
    this._render();
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.model.changed.disconnect(this._render, this);
    this._notebooks.dispose();
    super.dispose();
  }

  private _render(): void {
    const pipeline = this.model.pipeline;
    if (!pipeline) {
      return;
    }
    this._notebooks.update();
    const svg = renderGraph(pipeline, {
      colorOf: s => this.model.colorOf(s),
      status: this.model.runStatus ?? undefined,
      problems: this.model.problemsByStep(),
      onSelect: s => this.model.selectStep(s.name)
    });
    const w = Number(svg.getAttribute('width'));
    const hgt = Number(svg.getAttribute('height'));
    const sizeChanged = !this._box || w !== this._size[0] || hgt !== this._size[1];
    this._size = [w, hgt];
    if (sizeChanged) {
      this._box = fit(w, hgt);
    }
    svg.removeAttribute('width');
    svg.removeAttribute('height');
    svg.setAttribute('preserveAspectRatio', 'xMidYMid meet');
    this._svg = svg;
    this._apply();
    this._host.replaceChildren(svg);
  }

  private _apply(): void {
    if (this._svg && this._box) {
      this._svg.setAttribute('viewBox', asAttribute(this._box));
    }
  }

  private _fit(): void {
    this._box = fit(this._size[0], this._size[1]);
    this._apply();
  }

  private _zoom(factor: number): void {
    if (this._box) {
      this._box = zoom(this._box, factor);
      this._apply();
    }
  }

  private _onWheel = (event: WheelEvent): void => {
    if (!event.ctrlKey || !this._box) {
      return;
    }
    event.preventDefault();
    this._zoom(event.deltaY < 0 ? 1.1 : 1 / 1.1);
  };

  private _onDown = (event: PointerEvent): void => {
    if (!this._box || (event.target as Element).closest('.nbo-graph-node')) {
      return;
    }
    let last = [event.clientX, event.clientY];
    const move = (e: PointerEvent) => {
      this._box = pan(
        this._box!,
        e.clientX - last[0],
        e.clientY - last[1],
        this._host.clientWidth,
        this._host.clientHeight
      );
      last = [e.clientX, e.clientY];
      this._apply();
    };
    const up = () => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  };

  private _host = document.createElement('div');
  private _notebooks = new NotebooksLine(this.model);
  private _svg: SVGSVGElement | null = null;
  private _box: IViewBox | null = null;
  private _size: [number, number] = [0, 0];
}

/** The pipeline's notebooks above the graph (nothing for one notebook). */
class NotebooksLine extends ReactWidget {
  constructor(private _model: PipelineModel) {
    super();
    this.addClass('nbo-graph-notebooks');
  }

  protected render(): ReactElement | null {
    const pipeline = this._model.pipeline;
    return pipeline ? notebooksLine(pipeline) : null;
  }
}
