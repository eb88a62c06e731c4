/**
 * What each cell of the open notebook is in the pipeline, read from the server's pipeline view
 * (`cell_roles`, `steps[].cells`, `steps[].start_cell`): the lab has no tag grammar of its own.
 * Pure, so tested without a browser.
 */
import { IPipeline } from './api';
import { notebookShort } from './afters';
import { notebookLabel, otherNotebook } from './notebooks';

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
  /**
   * The other notebooks' steps the cell's step runs after, as its badges show them: on the
   * `step:` cell, or the first cell of a notebook without steps.
   */
  links: ICellLink[];
}

/** A step of another notebook this notebook's step runs after. */
export interface ICellLink {
  /** The pipeline's name of that step. */
  step: string;
  /** Its notebook, relative to this one (`01_ingest.ipynb`). */
  notebook: string;
  /** The badge, as the tag spells it: `⇠ 01_ingest` (no steps), `⇠ 02_features:scale`. */
  label: string;
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
    after: [],
    links: []
  }));
  const byName = new Map(pipeline.steps.map(s => [s.name, s]));
  const linksOf = (after: readonly string[]): ICellLink[] =>
    after.flatMap(name => {
      const up = byName.get(name);
      const file = up ? otherNotebook(pipeline, up) : null;
      if (!up || !file) {
        return [];
      }
      // spelled as the tag is: NOTEBOOK for a notebook without steps, else NOTEBOOK:STEP
      const short = notebookShort(file.replace(/\.ipynb$/, ''));
      const local = up.start_cell === null ? '' : name.startsWith(short + '-') ? name.slice(short.length + 1) : name;
      const label = `⇠ ${notebookLabel(file)}` + (local ? `:${local}` : '');
      return [{ step: name, notebook: file, label }];
    });
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
    const first = infos[step.start_cell ?? step.cells[0]];
    if (first) {
      first.links = linksOf(step.after);
    }
  }
  return infos;
}
