/**
 * What a canvas edit writes, as pure functions (tested without a browser): the `after:` tag an
 * edge between two steps becomes (README, tag grammar: `after:STEP` in one notebook,
 * `after:NOTEBOOK` or `after:NOTEBOOK:STEP` across notebooks, NOTEBOOK relative to the target's
 * notebook, without `.ipynb`), the tags that make an edge (to delete it), and the pipeline file
 * that lists the canvas' notebooks (model/pipelinefile.py) when no tag joins them yet.
 */
import { IPipeline } from './api';
import { notebookShort } from './afters';
import { folderOf, openPath, relative } from './notebooks';
import { AFTER, referenceOf } from './tags';

/** A step as the canvas edits it: where its notebook is and what its cells are called. */
export interface ICanvasStep {
  /** The pipeline's name of the step (qualified by its notebook: model/multi.py). */
  name: string;
  /** Its notebook's server path. */
  notebook: string;
  /** Its `step:` name in its notebook; null for a notebook without steps (one step). */
  local: string | null;
  /** Its `step:` cell (0-based), null for a notebook without steps. */
  startCell: number | null;
}

/** The pipeline's steps with their notebooks' server paths (`home`: the file the canvas shows). */
export function canvasSteps(home: string, pipeline: IPipeline): ICanvasStep[] {
  return pipeline.steps.map(step => {
    const file = step.notebook ?? home.split('/').pop() ?? home;
    const short = notebookShort(file.replace(/\.(ipynb|py)$/, ''));
    const untagged = step.start_cell === null;
    const local = untagged ? null : step.name.startsWith(short + '-') ? step.name.slice(short.length + 1) : step.name;
    return { name: step.name, notebook: openPath(home, file), local, startCell: step.start_cell };
  });
}

/** `to`'s notebook's way of naming `from`'s notebook: relative, without `.ipynb`. */
function notebookRef(from: ICanvasStep, to: ICanvasStep): string {
  return relative(folderOf(to.notebook), from.notebook).replace(/\.ipynb$/, '');
}

/**
 * The reference an edge `from -> to` is written as on `to`'s first cell: `after:STEP` in one
 * notebook, `after:NOTEBOOK` from a notebook without steps, else `after:NOTEBOOK:STEP`. Null
 * when no tag can say it (two steps of one notebook without steps: there is one).
 */
export function afterRefFor(from: ICanvasStep, to: ICanvasStep): string | null {
  if (from.notebook === to.notebook) {
    return from.local && to.local && from.local !== to.local ? from.local : null;
  }
  const ref = notebookRef(from, to);
  return from.local ? `${ref}:${from.local}` : ref;
}

/** The references on `to`'s cells that make the edge `from -> to` (its whole notebook counts). */
export function edgeRefs(from: ICanvasStep, to: ICanvasStep): string[] {
  if (from.notebook === to.notebook) {
    return from.local ? [from.local] : [];
  }
  const ref = notebookRef(from, to);
  return from.local ? [`${ref}:${from.local}`, ref] : [ref];
}

/** `tags` with `after:REF` added at the end (unchanged when a tag already says it). */
export function withAfter(tags: readonly string[], ref: string): string[] {
  return tags.some(t => referenceOf(t) === ref) ? [...tags] : [...tags, AFTER + ref];
}

/** The `after:`/`prev:` tags of `tags` naming one of `refs`: the only ones an edge deletion removes. */
export function afterTagsOf(tags: readonly string[], refs: readonly string[]): string[] {
  return tags.filter(t => {
    const ref = referenceOf(t);
    return ref !== null && refs.includes(ref);
  });
}

/** Header of the pipeline files the canvas writes: it rewrites only those. */
export const CANVAS_HEADER =
  '# notebook-ops pipeline file written by the pipeline canvas (README, "Pipeline files").\n' +
  "# The notebooks' after: tags give their order; notebooks no tag joins run in parallel.\n";

/** The pipeline file listing `notebooks` (server paths), relative to the file at `home`. */
export function pipelineFileText(home: string, notebooks: readonly string[]): string {
  const items = notebooks.map(nb => `  - path: ${JSON.stringify(relative(folderOf(home), nb))}\n`);
  return `${CANVAS_HEADER}notebooks:\n${items.join('')}`;
}

/** A pipeline file's name in `folder` that is not taken (`pipeline.yaml`, `pipeline-2.yaml`, …). */
export function freeFileName(folder: string, taken: readonly string[]): string {
  const at = (name: string) => (folder ? `${folder}/${name}` : name);
  for (let i = 1; ; i++) {
    const path = at(i === 1 ? 'pipeline.yaml' : `pipeline-${i}.yaml`);
    if (!taken.includes(path)) {
      return path;
    }
  }
}
