/** What other extensions may use: each open notebook's pipeline model and the panel's notebook. */
import { NotebookPanel } from '@jupyterlab/notebook';
import { Token } from '@lumino/coreutils';
import { ISignal } from '@lumino/signaling';

import { PipelineModel } from './model';

export interface INotebookOps {
  /** The pipeline model of an open notebook (undefined once it is closed). */
  modelFor(panel: NotebookPanel): PipelineModel | undefined;
  /** The model the pipeline panel shows (the active notebook's). */
  readonly current: PipelineModel | null;
  /** Emitted when the panel switches to another notebook's model (or none). */
  readonly currentChanged: ISignal<INotebookOps, PipelineModel | null>;
}

export const INotebookOps = new Token<INotebookOps>(
  'notebook-ops:INotebookOps',
  'The pipeline model of each open notebook (steps, problems, runs, schedules) and the one the panel shows.'
);
