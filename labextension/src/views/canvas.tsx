/**
 * The pipeline canvas, a main-area tab: the step graph of a pipeline file (graph.tsx, with the
 * graph tab's fit, zoom and pan) on which notebooks dragged from the file browser become nodes,
 * a drag from a step's handle to another step draws an edge (an `after:` tag), Delete removes
 * the selected edge or notebook and Z undoes; the status line says what each edit wrote. Renders
 * the CanvasModel (canvas.ts), which does the writing.
 */
import { ReactWidget } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import React, { useEffect, useMemo, useRef, useState } from 'react';

import { CanvasModel } from '../canvas';
import { fileName } from '../folder';
import { asAttribute, fit } from '../viewport';
import { Graph, graphLayout, IGraphCanvas } from './graph';
import { useViewport } from './graphtab';
import { useSignal } from './hooks';
import { askRun } from './paramdialog';
import { RunSection } from './runview';

/** What the file browser's drag carries: the dragged items' server paths. */
export const CONTENTS_MIME = 'application/x-jupyter-icontents';

/** The parts of a Lumino drag event (@lumino/dragdrop's Drag.Event) a drop target uses. */
interface IDropEvent extends Event {
  readonly mimeData: { hasData(mime: string): boolean; getData(mime: string): unknown };
  readonly proposedAction: string;
  dropAction: string;
}

export class CanvasTab extends ReactWidget {
  constructor(
    readonly model: CanvasModel,
    private _commands: CommandRegistry,
    private _mlflowUrl: () => string = () => ''
  ) {
    super();
    this.addClass('nbo-graph-tab');
    this.addClass('nbo-canvas-tab');
    this.title.label = `Canvas · ${fileName(model.path)}`;
    this.title.caption = `The pipeline of ${model.path}: drop notebooks, draw edges`;
    model.runs.loadRecentOnce();
  }

  protected render(): JSX.Element {
    return <CanvasView model={this.model} commands={this._commands} mlflowUrl={this._mlflowUrl} />;
  }
}

interface ICanvasViewProps {
  model: CanvasModel;
  commands: CommandRegistry;
  mlflowUrl: () => string;
}

function CanvasView({ model, commands, mlflowUrl }: ICanvasViewProps): JSX.Element {
  useSignal(model.changed);
  const pipeline = model.pipeline;
  const host = useRef<HTMLDivElement>(null);
  const layout = useMemo(() => (pipeline ? graphLayout(pipeline) : null), [pipeline]);
  const [width, height] = [layout?.width ?? 0, layout?.height ?? 0];
  const { box, setBox, zoomBy, onPointerDown } = useViewport(host, width, height);
  const [draft, setDraft] = useState<IGraphCanvas['draft']>(null);
  const [dropping, setDropping] = useState(false);
  useDrop(host, paths => void model.addNotebooks(paths), setDropping);

  // a drag from a step's handle: a dashed line follows the pointer; released on a step, an edge
  const onHandleDown = (from: string, event: React.PointerEvent) => {
    event.stopPropagation();
    event.preventDefault();
    const svg = host.current?.querySelector('svg');
    const toDrawing = (x: number, y: number) => {
      const m = svg?.getScreenCTM()?.inverse();
      return m ? new DOMPoint(x, y).matrixTransform(m) : new DOMPoint(x, y);
    };
    const start = toDrawing(event.clientX, event.clientY);
    const move = (e: PointerEvent) => {
      const at = toDrawing(e.clientX, e.clientY);
      setDraft({ x1: start.x, y1: start.y, x2: at.x, y2: at.y });
    };
    const up = (e: PointerEvent) => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
      setDraft(null);
      const to = document.elementFromPoint(e.clientX, e.clientY)?.closest('.nbo-graph-node')?.getAttribute('data-step');
      if (to && to !== from) {
        void model.connect(from, to);
      }
      host.current?.focus();
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  };
  const selection = model.selection;
  const canvas: IGraphCanvas = {
    selectedStep: selection?.kind === 'node' ? selection.step : null,
    selectedEdge: selection?.kind === 'edge' ? [selection.from, selection.to] : null,
    onSelectEdge: (from, to) => {
      host.current?.focus();
      model.select({ kind: 'edge', from, to });
    },
    onHandleDown,
    draft,
    allNotebooks: true
  };
  const onKeyDown = (event: React.KeyboardEvent) => {
    if (event.key === 'Delete' || event.key === 'Backspace') {
      event.preventDefault();
      void model.deleteSelected();
    } else if (event.key.toLowerCase() === 'z' && !event.shiftKey && !event.altKey) {
      event.preventDefault();
      void model.undo();
    }
  };
  const start = async () => {
    if (!pipeline) {
      return;
    }
    const choice = await askRun(
      model.path,
      pipeline.name,
      pipeline.parameters,
      pipeline.steps.map(s => s.name)
    );
    if (choice !== null) {
      await model.runs.start(choice.parameters, {
        cache: choice.cache,
        fromStep: choice.fromStep,
        cluster: choice.cluster,
        dataUrl: choice.dataUrl
      });
    }
  };
  const button = (label: string, title: string, cls: string, onClick: () => void, disabled = false) => (
    <button
      className={`jp-mod-styled nbo-button nbo-zoom ${cls}`}
      title={title}
      aria-label={title}
      onClick={onClick}
      disabled={disabled}
    >
      {label}
    </button>
  );
  const selectedStep = canvas.selectedStep;
  return (
    <>
      <div className="nbo-graph-toolbar">
        {button('Fit', 'Fit the whole graph', 'nbo-zoom-fit', () => setBox(width ? fit(width, height) : null))}
        {button('+', 'Zoom in', 'nbo-zoom-in', () => zoomBy(1.25))}
        {button('−', 'Zoom out', 'nbo-zoom-out', () => zoomBy(0.8))}
        {button('Undo', 'Undo the last canvas edit (Z)', 'nbo-canvas-undo', () => void model.undo(), !model.canUndo)}
        {button(
          'Delete',
          'Delete the selected edge or notebook (Delete)',
          'nbo-canvas-delete',
          () => void model.deleteSelected(),
          !selection
        )}
        {button(
          'Open',
          'Open the selected step in its notebook',
          'nbo-canvas-open',
          () => selectedStep && model.selectStep(selectedStep),
          !selectedStep
        )}
      </div>
      <div className="nbo-canvas-status" role="status">
        {model.error ? <span className="nbo-error">{model.error}</span> : model.status}
      </div>
      <div
        className={`nbo-graph-host nbo-canvas-host${dropping ? ' nbo-drop-target' : ''}`}
        ref={host}
        tabIndex={0}
        onKeyDown={onKeyDown}
        onPointerDown={event => {
          host.current?.focus();
          if (!(event.target as Element).closest('.nbo-graph-node, .nbo-graph-edge')) {
            model.select(null);
          }
          onPointerDown(event);
        }}
      >
        {pipeline && layout ? (
          <Graph
            pipeline={pipeline}
            layout={layout}
            viewBox={asAttribute(box ?? fit(width, height))}
            colorOf={s => model.colorOf(s)}
            status={model.runs.stepStatus ?? undefined}
            onSelect={s => {
              host.current?.focus();
              model.select({ kind: 'node', step: s.name });
            }}
            canvas={canvas}
          />
        ) : (
          <div className="nbo-canvas-empty">Drop notebooks here from the file browser</div>
        )}
      </div>
      <div className="nbo-canvas-run">
        <RunSection
          source={model}
          pipeline={pipeline}
          caption={`Run ${fileName(model.path)}`}
          start={start}
          commands={commands}
          mlflowUrl={mlflowUrl}
        />
      </div>
    </>
  );
}

/** Lumino drops (the file browser's drag) on `host`: the dragged paths go to `onPaths`. */
function useDrop(
  host: React.RefObject<HTMLDivElement>,
  onPaths: (paths: string[]) => void,
  setDropping: (on: boolean) => void
): void {
  const latest = useRef(onPaths);
  latest.current = onPaths;
  useEffect(() => {
    const node = host.current;
    if (!node) {
      return;
    }
    const accept = (event: Event) => {
      const drag = event as IDropEvent;
      if (!drag.mimeData?.hasData(CONTENTS_MIME)) {
        return false;
      }
      drag.preventDefault();
      drag.stopPropagation();
      return true;
    };
    const enter = (event: Event) => accept(event) && setDropping(true);
    const over = (event: Event) => {
      if (accept(event)) {
        const drag = event as IDropEvent;
        drag.dropAction = drag.proposedAction;
      }
    };
    const leave = () => setDropping(false);
    const drop = (event: Event) => {
      setDropping(false);
      if (accept(event)) {
        const drag = event as IDropEvent;
        drag.dropAction = drag.proposedAction;
        const paths = drag.mimeData.getData(CONTENTS_MIME);
        latest.current(Array.isArray(paths) ? paths.filter((p): p is string => typeof p === 'string') : []);
      }
    };
    const listeners: [string, EventListener][] = [
      ['lm-dragenter', enter],
      ['lm-dragover', over],
      ['lm-dragleave', leave],
      ['lm-drop', drop]
    ];
    for (const [type, fn] of listeners) {
      node.addEventListener(type, fn);
    }
    return () => {
      for (const [type, fn] of listeners) {
        node.removeEventListener(type, fn);
      }
    };
  }, []);
}
