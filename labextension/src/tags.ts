/**
 * The tag grammar on the front end: pure functions over a cell's `metadata.tags`.
 *
 * Tags stay ordinary nbformat tags (the property inspector shows them, papermill reads them);
 * the server's model is the authority on what they mean, this only edits them.
 */
import type { ICellModel } from '@jupyterlab/cells';

export const STEP = 'step:';
export const AFTER = 'after:';
export type Role = 'parameters' | 'setup' | 'skip';
export const ROLES: Role[] = ['parameters', 'setup', 'skip'];
/** Kale's spellings, read by the model; cleared together with ours. */
const FOREIGN = ['block:', 'prev:', 'imports', 'functions', 'pipeline-parameters', 'pipeline-metrics'];

export const STEP_NAME = /^[a-z_][a-z0-9_-]{0,62}$/;

export function isPipelineTag(tag: string): boolean {
  return (
    tag.startsWith(STEP) ||
    tag.startsWith(AFTER) ||
    (ROLES as string[]).includes(tag) ||
    FOREIGN.some(f => (f.endsWith(':') ? tag.startsWith(f) : tag === f))
  );
}

export function stepOf(tags: readonly string[]): string | null {
  const tag = tags.find(t => t.startsWith(STEP) || t.startsWith('block:'));
  return tag ? tag.slice(tag.indexOf(':') + 1) : null;
}

export function afterOf(tags: readonly string[]): string[] {
  return tags.filter(t => t.startsWith(AFTER) || t.startsWith('prev:')).map(t => t.slice(t.indexOf(':') + 1));
}

export function roleOf(tags: readonly string[]): Role | null {
  if (tags.includes('parameters') || tags.includes('pipeline-parameters')) {
    return 'parameters';
  }
  if (tags.includes('setup') || tags.includes('imports') || tags.includes('functions')) {
    return 'setup';
  }
  if (tags.includes('skip')) {
    return 'skip';
  }
  return null;
}

export function withoutPipelineTags(tags: readonly string[]): string[] {
  return tags.filter(t => !isPipelineTag(t));
}

export function withStep(tags: readonly string[], name: string, after: readonly string[]): string[] {
  return [...withoutPipelineTags(tags), STEP + name, ...after.map(a => AFTER + a)];
}

export function withRole(tags: readonly string[], role: Role): string[] {
  return [...withoutPipelineTags(tags), role];
}

/** Kale's legacy `block:`/`prev:` tags rewritten as `step:`/`after:`; other tags kept in place. */
export function retagKale(tags: readonly string[]): string[] {
  const out: string[] = [];
  for (const tag of tags) {
    const next = tag.startsWith('block:') ? STEP + tag.slice(6) : tag.startsWith('prev:') ? AFTER + tag.slice(5) : tag;
    if (!out.includes(next)) {
      out.push(next);
    }
  }
  return out;
}

export function validateStepName(name: string, taken: readonly string[]): string | null {
  if (!STEP_NAME.test(name)) {
    return 'A step name is lower case: a letter or _, then letters, digits, _ or - (at most 63).';
  }
  if (taken.includes(name)) {
    return `Another cell already starts step "${name}".`;
  }
  return null;
}

/** What one cell is in the pipeline, derived from the tags alone. */
export interface ICellInfo {
  index: number;
  role: Role | 'step' | 'none';
  /** The step the cell belongs to (null for setup, parameters, skip). */
  step: string | null;
  /** This cell carries the `step:` tag. */
  starts: boolean;
  after: string[];
}

export function cellInfos(tagsPerCell: readonly (readonly string[])[]): ICellInfo[] {
  const firstStep = tagsPerCell.map(stepOf).find(s => s !== null) ?? 'main';
  let current: string | null = null;
  return tagsPerCell.map((tags, index) => {
    const role = roleOf(tags);
    if (role) {
      return { index, role, step: null, starts: false, after: [] };
    }
    const step = stepOf(tags);
    if (step !== null) {
      current = step;
      return { index, role: 'step', step, starts: true, after: afterOf(tags) };
    }
    return { index, role: 'none', step: current ?? firstStep, starts: false, after: [] };
  });
}

export function getTags(cell: ICellModel): string[] {
  const tags = cell.getMetadata('tags');
  return Array.isArray(tags) ? tags.filter(t => typeof t === 'string') : [];
}

export function setTags(cell: ICellModel, tags: string[]): void {
  if (tags.length) {
    cell.setMetadata('tags', tags);
  } else {
    cell.deleteMetadata('tags');
  }
}
