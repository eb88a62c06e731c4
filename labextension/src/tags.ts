/**
 * Tag edits: pure functions that write a cell's `metadata.tags` when the user makes a step or a
 * role. Tags stay ordinary nbformat tags (the property inspector shows them, papermill reads
 * them); what they mean comes from the server's pipeline view (cells.ts), never read here.
 */
import type { ICellModel } from '@jupyterlab/cells';

export const STEP = 'step:';
export const AFTER = 'after:';
/** Kale's spelling of `after:`. */
export const PREV = 'prev:';
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

/** The cell names the steps it runs after itself (else it runs after the step above). */
export function hasAfter(tags: readonly string[]): boolean {
  return tags.some(t => t.startsWith(AFTER) || t.startsWith('prev:'));
}

/** What an `after:` (or Kale's `prev:`) tag names; null for any other tag. */
export function referenceOf(tag: string): string | null {
  return tag.startsWith(AFTER) ? tag.slice(AFTER.length) : tag.startsWith(PREV) ? tag.slice(PREV.length) : null;
}

export function withoutPipelineTags(tags: readonly string[]): string[] {
  return tags.filter(t => !isPipelineTag(t));
}

/**
 * The cell starts step `name` and runs after `after`. The tags the Make step dialog owns go: the
 * step's name, roles, and the `after:`/`prev:` references it offered (`owned`); every other
 * tag stays where it is (the user's own, an `after:NOTEBOOK` the dialog did not show).
 */
export function withStep(
  tags: readonly string[],
  name: string,
  after: readonly string[],
  owned: readonly string[]
): string[] {
  const kept = tags.filter(t => {
    const ref = referenceOf(t);
    return ref !== null ? !owned.includes(ref) && !after.includes(ref) : !isPipelineTag(t);
  });
  return [...kept, STEP + name, ...after.map(a => AFTER + a)];
}

export function withRole(tags: readonly string[], role: Role): string[] {
  return [...withoutPipelineTags(tags), role];
}

/**
 * Kale's legacy `block:`/`prev:` tags rewritten as `step:`/`after:`; other tags kept in place. A
 * bare `block:` (Kale: the cell continues the previous step) is dropped: an untagged cell does
 * the same in both grammars.
 */
export function retagKale(tags: readonly string[]): string[] {
  const out: string[] = [];
  for (const tag of tags) {
    if (tag === 'block:' || tag === STEP) {
      continue;
    }
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
