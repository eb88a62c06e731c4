/**
 * The step graph as a main-area tab, for pipelines too wide for the sidebar: each step with its
 * inputs and outputs, edges labelled with the data they carry; fit, zoom (buttons, ctrl+wheel)
 * and pan (drag, wheel). Fit never shrinks the text below a readable size: a graph too big for
 * the tab shows its top at that size and pans. Follows the notebook's model while it is open.
 */
import { ReactWidget } from '@jupyterlab/ui-components';
import React, { useEffect, useMemo, useRef, useState } from 'react';

import { IPipeline } from '../api';
import { PipelineModel } from '../model';
import { asAttribute, fit, fitReadable, IViewBox, pan, zoom } from '../viewport';
import { Graph, graphLayout } from './graph';
import { useSignal } from './hooks';
import { NotebooksLine } from './lanesview';

export class GraphTab extends ReactWidget {
  constructor(readonly model: PipelineModel) {
    super();
    this.addClass('nbo-graph-tab');
    this.id = `notebook-ops-graph-${model.panel.id}`;
    this.title.label = `Pipeline · ${model.panel.title.label}`;
    this.title.caption = `Step graph of ${model.path}`;
    this.title.closable = true;
    model.panel.disposed.connect(() => this.dispose());
  }

  protected render(): JSX.Element {
    return <GraphTabView model={this.model} />;
  }
}

/** The toolbar and the graph of the model's pipeline (the last one read, while it is re-read). */
function GraphTabView({ model }: { model: PipelineModel }): JSX.Element {
  useSignal(model.changed);
  const last = useRef<IPipeline | null>(null);
  last.current = model.pipeline ?? last.current;
  const pipeline = last.current;
  const host = useRef<HTMLDivElement>(null);
  const layout = useMemo(() => (pipeline ? graphLayout(pipeline) : null), [pipeline]);
  const width = layout?.width ?? 0;
  const height = layout?.height ?? 0;
  const { box, setBox, zoomBy, onPointerDown, fitted } = useViewport(host, width, height);
  const button = (label: string, title: string, cls: string, onClick: () => void) => (
    <button className={`jp-mod-styled nbo-button nbo-zoom ${cls}`} title={title} aria-label={title} onClick={onClick}>
      {label}
    </button>
  );
  return (
    <>
      <div className="nbo-graph-toolbar">
        {button('Fit', 'Fit the graph (never below a readable size: then drag or scroll)', 'nbo-zoom-fit', () =>
          setBox(fitted())
        )}
        {button('+', 'Zoom in', 'nbo-zoom-in', () => zoomBy(1.25))}
        {button('−', 'Zoom out', 'nbo-zoom-out', () => zoomBy(0.8))}
        <div className="nbo-graph-notebooks">{pipeline ? <NotebooksLine pipeline={pipeline} /> : null}</div>
      </div>
      <div className="nbo-graph-host" ref={host} onPointerDown={onPointerDown}>
        {pipeline && layout ? (
          <Graph
            pipeline={pipeline}
            layout={layout}
            viewBox={asAttribute(box ?? fit(width, height))}
            colorOf={s => model.colorOf(s)}
            status={model.runStatus ?? undefined}
            problems={model.problemsByStep()}
            stale={model.staleSteps()}
            onSelect={s => model.selectStep(s.name)}
          />
        ) : null}
      </div>
    </>
  );
}

/** Fit, zoom (ctrl+wheel too) and pan (drag the background) of a drawing `width` x `height` in `host`. */
export function useViewport(
  host: React.RefObject<HTMLDivElement>,
  width: number,
  height: number
): {
  box: IViewBox | null;
  setBox: React.Dispatch<React.SetStateAction<IViewBox | null>>;
  zoomBy: (factor: number) => void;
  onPointerDown: (event: React.PointerEvent) => void;
  /** The whole drawing, or its top at the smallest readable scale (the host's size decides). */
  fitted: () => IViewBox | null;
} {
  const [box, setBox] = useState<IViewBox | null>(null);
  const fitted = (): IViewBox | null => {
    const node = host.current;
    return width ? fitReadable(width, height, node?.clientWidth ?? 0, node?.clientHeight ?? 0) : null;
  };
  // a drawing of another size shows fitted; the same size keeps the user's zoom and pan
  useEffect(() => setBox(fitted()), [width, height]);
  const zoomBy = (factor: number) => setBox(b => (b ? zoom(b, factor) : b));
  // ctrl+wheel zooms: a listener that may cancel the page's scroll (React's wheel is passive)
  useEffect(() => {
    const node = host.current;
    if (!node) {
      return;
    }
    const onWheel = (event: WheelEvent) => {
      event.preventDefault();
      if (event.ctrlKey) {
        zoomBy(event.deltaY < 0 ? 1.1 : 1 / 1.1);
      } else {
        // the wheel (or a trackpad) scrolls the drawing
        setBox(b => (b ? pan(b, -event.deltaX, -event.deltaY, node.clientWidth, node.clientHeight) : b));
      }
    };
    node.addEventListener('wheel', onWheel, { passive: false });
    return () => node.removeEventListener('wheel', onWheel);
  }, []);
  const onPointerDown = (event: React.PointerEvent) => {
    if ((event.target as Element).closest('.nbo-graph-node')) {
      return;
    }
    let at = [event.clientX, event.clientY];
    const move = (e: PointerEvent) => {
      const [dx, dy] = [e.clientX - at[0], e.clientY - at[1]];
      at = [e.clientX, e.clientY];
      const node = host.current;
      setBox(b => (b && node ? pan(b, dx, dy, node.clientWidth, node.clientHeight) : b));
    };
    const up = () => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  };
  return { box, setBox, zoomBy, onPointerDown, fitted };
}
