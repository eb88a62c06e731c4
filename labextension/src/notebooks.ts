/**
 * Pipelines across notebooks as the lab shows them: which steps come from another notebook than
 * the entry (the one open), a short label for it, and the path to open it at. Pure, so tested
 * without a browser; a single-notebook pipeline gives no labels and looks as before.
 */
import { IPipeline, IStep } from './api';

/** Path segments with `.` and `..` resolved (a `..` above the top is dropped). */
function normalize(parts: string[]): string[] {
  const out: string[] = [];
  for (const part of parts) {
    if (part === '..') {
      out.pop();
    } else if (part && part !== '.') {
      out.push(part);
    }
  }
  return out;
}

/** `to` relative to the folder `from` (both absolute or both relative, `/`-separated). */
export function relative(from: string, to: string): string {
  const a = normalize(from.split('/'));
  const b = normalize(to.split('/'));
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) {
    i++;
  }
  return [...a.slice(i).map(() => '..'), ...b.slice(i)].join('/');
}

export const folderOf = (path: string) => path.split('/').slice(0, -1).join('/');

/** True when the pipeline spans more than one notebook. */
export function isMulti(pipeline: IPipeline): boolean {
  return (pipeline.notebooks ?? []).length > 1;
}

/** The pipeline's notebooks relative to the entry's folder, entry first ([] for one notebook). */
export function notebookFiles(pipeline: IPipeline): string[] {
  if (!isMulti(pipeline)) {
    return [];
  }
  const root = folderOf(pipeline.notebooks[0]);
  return pipeline.notebooks.map(n => relative(root, n));
}

/** The step's notebook (relative to the entry's folder) when it is not the entry; else null. */
export function otherNotebook(pipeline: IPipeline, step: IStep): string | null {
  const files = notebookFiles(pipeline);
  if (!files.length || !step.notebook || step.notebook === files[0]) {
    return null;
  }
  return step.notebook;
}

/** A notebook's short label: its file name without `.ipynb` (`../shared/prep.ipynb` -> `prep`). */
export function notebookLabel(file: string): string {
  return (file.split('/').pop() ?? file).replace(/\.ipynb$/, '');
}

/** The server path to open `file` (relative to the entry's folder) at, from the entry's server path. */
export function openPath(entryPath: string, file: string): string {
  return normalize([...folderOf(entryPath).split('/'), ...file.split('/')]).join('/');
}
