/**
 * What each cell of the open notebook is in the pipeline, read from the server's pipeline view
 * (`cell_roles`, `steps[].cells`, `steps[].start_cell`): the lab has no tag grammar of its own.
 * Pure, so tested without a browser.
 */
import { IPipeline } from './api';
import { otherNotebook } from './notebooks';

export interface ICellInfo {
  index: number;
  /** "step" for the cell that starts a step, "none" for a step's other cells. */
  role: 'parameters' | 'setup' | 'skip' | 'metrics' | 'raw' | 'step' | 'none';
  /** The step the cell belongs to (null for setup, parameters, skip, metrics, raw). */
  step: string | null;
  /** This cell carries the step's `step:` tag. */
  starts: boolean;
  /** The steps the started step runs after (explicit `after:` tags, else the step above). */
  after: string[];
}

export function cellInfos(pipeline: IPipeline | null): ICellInfo[] {
  if (!pipeline) {
    return [];
  }
  const infos: ICellInfo[] = pipeline.cell_roles.map((role, index) => ({
    index,
    role: role === 'code' || role === 'markdown' ? 'none' : role,
    step: null,
    starts: false,
    after: []
  }));
  for (const step of pipeline.steps) {
    if (otherNotebook(pipeline, step)) {
      continue; // its cells are another notebook's
    }
    for (const index of step.cells) {
      const info = infos[index];
      if (info) {
        info.step = step.name;
        if (step.start_cell === index) {
          Object.assign(info, { role: 'step', starts: true, after: step.after });
        }
      }
    }
  }
  return infos;
}
