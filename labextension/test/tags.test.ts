import {
  cellInfos,
  retagKale,
  roleOf,
  stepOf,
  validateStepName,
  withoutPipelineTags,
  withRole,
  withStep
} from '../src/tags';

describe('the tag grammar', () => {
  it('reads steps, after and roles, Kale spellings included', () => {
    expect(stepOf(['x', 'step:load'])).toBe('load');
    expect(stepOf(['block:train'])).toBe('train');
    expect(stepOf(['parameters'])).toBeNull();
    expect(roleOf(['pipeline-parameters'])).toBe('parameters');
    expect(roleOf(['imports'])).toBe('setup');
    expect(roleOf(['skip'])).toBe('skip');
    expect(roleOf(['step:a'])).toBeNull();
  });

  it("replaces pipeline tags and keeps the user's own", () => {
    expect(withStep(['mine', 'skip', 'after:x'], 'train', ['load'])).toEqual(['mine', 'step:train', 'after:load']);
    expect(withRole(['mine', 'step:a', 'prev:b'], 'setup')).toEqual(['mine', 'setup']);
    expect(withoutPipelineTags(['mine', 'block:a', 'pipeline-metrics', 'image:x'])).toEqual(['mine', 'image:x']);
  });

  it("rewrites Kale's legacy tags in place, once", () => {
    expect(retagKale(['block:load', 'prev:a', 'mine', 'after:a'])).toEqual(['step:load', 'after:a', 'mine']);
    expect(retagKale(['step:x'])).toEqual(['step:x']);
  });

  it('checks step names', () => {
    expect(validateStepName('train_1', [])).toBeNull();
    expect(validateStepName('Train', [])).toMatch(/lower case/);
    expect(validateStepName('a', ['a'])).toMatch(/already starts step "a"/);
  });

  it('gives each cell its step, following cells joining the step above', () => {
    const infos = cellInfos([[], ['parameters'], ['step:load'], [], ['skip'], ['step:train', 'after:load'], []]);
    expect(infos.map(i => i.step)).toEqual(['load', null, 'load', 'load', null, 'train', 'train']);
    expect(infos.map(i => i.role)).toEqual(['none', 'parameters', 'step', 'none', 'skip', 'step', 'none']);
    expect(infos[5]).toMatchObject({ starts: true, after: ['load'] });
  });
});
