import {
  hasAfter,
  referenceOf,
  retagKale,
  validateStepName,
  withoutPipelineTags,
  withRole,
  withStep
} from '../src/tags';

describe('tag edits', () => {
  it("replaces pipeline tags and keeps the user's own", () => {
    expect(withStep(['mine', 'skip', 'after:x'], 'train', ['load'], ['x', 'load'])).toEqual([
      'mine',
      'step:train',
      'after:load'
    ]);
    expect(withRole(['mine', 'step:a', 'prev:b'], 'setup')).toEqual(['mine', 'setup']);
    expect(withoutPipelineTags(['mine', 'block:a', 'pipeline-metrics', 'image:x'])).toEqual(['mine', 'image:x']);
  });

  it('keeps every tag the dialog does not own: an after: it did not offer stays', () => {
    // issue 25: P S on a cell tagged after:01_ingest kept only step:scale_rows
    expect(withStep(['after:01_ingest'], 'scale_rows', [], ['clean'])).toEqual(['after:01_ingest', 'step:scale_rows']);
    expect(withStep(['mine', 'prev:legacy', 'step:old', 'setup'], 'b', ['a'], ['a'])).toEqual([
      'mine',
      'prev:legacy',
      'step:b',
      'after:a'
    ]);
    // an offered reference goes when unticked, stays (once) when ticked
    expect(withStep(['after:01_ingest', 'after:a'], 'b', ['01_ingest'], ['01_ingest', 'a'])).toEqual([
      'step:b',
      'after:01_ingest'
    ]);
  });

  it('reads what an after: or prev: tag names', () => {
    expect(['after:01_ingest:load', 'prev:a', 'step:b', 'after'].map(referenceOf)).toEqual([
      '01_ingest:load',
      'a',
      null,
      null
    ]);
  });

  it('tells a step that names its upstream steps from one that follows the step above', () => {
    expect(hasAfter(['step:b', 'after:a'])).toBe(true);
    expect(hasAfter(['block:b', 'prev:a'])).toBe(true);
    expect(hasAfter(['step:b'])).toBe(false);
  });

  it("rewrites Kale's legacy tags in place, once", () => {
    expect(retagKale(['block:load', 'prev:a', 'mine', 'after:a'])).toEqual(['step:load', 'after:a', 'mine']);
    expect(retagKale(['step:x'])).toEqual(['step:x']);
    // a bare block: continues the previous step, as an untagged cell does: no step named ''
    expect(retagKale(['block:', 'mine'])).toEqual(['mine']);
    expect(retagKale(['step:'])).toEqual([]);
  });

  it('checks step names', () => {
    expect(validateStepName('train_1', [])).toBeNull();
    expect(validateStepName('Train', [])).toMatch(/lower case/);
    expect(validateStepName('a', ['a'])).toMatch(/already starts step "a"/);
  });
});
