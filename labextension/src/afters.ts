/**
 * The "runs after" choices of the Make step dialog, as `after:` tags spell them (README, tag
 * grammar): a step of this notebook by its name, a step of another notebook as
 * `NOTEBOOK:STEP`, a notebook without steps (one step) as `NOTEBOOK`; NOTEBOOK is its path
 * relative to this notebook, without `.ipynb`. The pipeline view names other notebooks' steps
 * as the model qualifies them (`ingest-load`: model/multi.py), which no tag accepts. Pure, so
 * tested without a browser.
 */
import { IPipeline } from './api';
import { notebookFiles, otherNotebook } from './notebooks';
import { referenceOf } from './tags';

export interface IAfterChoice {
  /** What follows `after:` in the tag. */
  ref: string;
  /** The pipeline's name of the step it runs after (null: not a step of the view). */
  step: string | null;
  /** Why the reference is suspect, shown beside it ("names no step"). */
  note?: string;
}

/** The model's short name of a notebook (`01_ingest` -> `ingest`; multi.py `_short`). */
export function notebookShort(ref: string): string {
  const name = ref.split('/').pop() ?? ref;
  const stem = name.replace(/^[0-9_\-. ]+/, '') || name;
  let s = stem
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (!s || !/^[a-z_]/.test(s)) {
    s = s ? 'p-' + s : 'pipeline';
  }
  return s.slice(0, 63).replace(/-+$/, '') || 'pipeline';
}

/** The `after:` spelling of a step of the pipeline, seen from the entry notebook. */
export function afterRef(pipeline: IPipeline, step: IPipeline['steps'][number]): string {
  const file = otherNotebook(pipeline, step);
  if (!file) {
    return step.name;
  }
  const notebook = file.replace(/\.ipynb$/, '');
  const short = notebookShort(notebook);
  return step.name.startsWith(short + '-') ? `${notebook}:${step.name.slice(short.length + 1)}` : notebook;
}

/**
 * The steps a cell's step may run after: `own` (the step it starts) left out, and so is this
 * notebook's step without a `step:` tag (a notebook without steps is one; it is gone once a
 * cell starts a step, and `after:` naming it would name no step).
 */
export function afterChoices(pipeline: IPipeline | null, own: string | null): IAfterChoice[] {
  const implicit = (s: IPipeline['steps'][number]) => s.start_cell === null && !otherNotebook(pipeline!, s);
  return (pipeline?.steps ?? [])
    .filter(s => s.name !== own && !implicit(s))
    .map(s => ({ ref: afterRef(pipeline!, s), step: s.name }));
}

/** The `after:` (or Kale `prev:`) references a cell's tags make. */
export function afterRefs(tags: readonly string[]): string[] {
  const out: string[] = [];
  for (const tag of tags) {
    const ref = referenceOf(tag);
    if (ref && !out.includes(ref)) {
      out.push(ref);
    }
  }
  return out;
}

/**
 * What the dialog offers and ticks for a cell: every step of the pipeline, plus each reference
 * of the cell's own tags that is none of them. Ticked: the cell's references to a step or to a
 * notebook of the pipeline (`after:01_ingest`: the whole notebook), so accepting keeps them;
 * for a step that follows the step above (no `after:` tag), the steps it runs after now. A
 * reference that names nothing of the pipeline (a typo, a deleted notebook) is shown unticked,
 * marked, so accepting drops it unless the user ticks it.
 */
export function dialogAfters(
  pipeline: IPipeline | null,
  own: string | null,
  tags: readonly string[],
  runsAfter: readonly string[]
): { choices: IAfterChoice[]; ticked: string[] } {
  const choices = afterChoices(pipeline, own);
  const refs = afterRefs(tags);
  const files = pipeline ? notebookFiles(pipeline) : [];
  const ticked: string[] = [];
  for (const ref of refs) {
    if (choices.some(c => c.ref === ref)) {
      ticked.push(ref);
    } else if (files.includes(ref.split(':')[0] + '.ipynb')) {
      choices.push({ ref, step: null });
      ticked.push(ref);
    } else {
      choices.push({ ref, step: null, note: 'names no step' });
    }
  }
  if (!refs.length) {
    for (const name of runsAfter) {
      const ref = choices.find(c => c.step === name)?.ref;
      if (ref) {
        ticked.push(ref);
      }
    }
  }
  return { choices, ticked };
}

/** The pipeline's step names of the references (for the loop check; unknown ones left out). */
export function stepsOf(refs: readonly string[], choices: readonly IAfterChoice[]): string[] {
  return refs.map(r => choices.find(c => c.ref === r)?.step).filter((s): s is string => !!s);
}
