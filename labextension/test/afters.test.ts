import { IPipeline, IStep } from '../src/api';
import { afterChoices, afterRef, dialogAfters, notebookShort, stepsOf } from '../src/afters';

const step = (name: string, notebook: string | null, after: string[] = [], start_cell: number | null = 0): IStep =>
  ({ name, notebook, after, start_cell }) as unknown as IStep;

// 03_train.ipynb runs after the untagged 01_ingest (one step, named "ingest") and after step
// "clean" of ../shared/02_prep.ipynb (qualified "prep-clean" by the model)
const multi = {
  name: 'train',
  path: 'proj/nb/03_train.ipynb',
  notebooks: ['/srv/proj/nb/03_train.ipynb', '/srv/proj/nb/01_ingest.ipynb', '/srv/proj/shared/02_prep.ipynb'],
  steps: [
    step('ingest', '01_ingest.ipynb', [], null),
    step('prep-clean', '../shared/02_prep.ipynb', ['ingest']),
    step('scale_rows', '03_train.ipynb', ['ingest']),
    step('fit', '03_train.ipynb', ['scale_rows', 'prep-clean'])
  ]
} as unknown as IPipeline;

const single = {
  name: 'churn',
  path: 'churn.ipynb',
  notebooks: [],
  steps: [step('load', null), step('features', null, ['load']), step('train', null, ['features'])]
} as unknown as IPipeline;

describe('the after: choices of Make step', () => {
  it("names a notebook as the model shortens it (multi.py's _short)", () => {
    expect(notebookShort('01_ingest')).toBe('ingest');
    expect(notebookShort('../shared/02_prep')).toBe('prep');
    expect(notebookShort('My Notebook')).toBe('my-notebook');
    expect(notebookShort('2024')).toBe('p-2024');
  });

  it("spells another notebook's step as NOTEBOOK:STEP and an untagged notebook as NOTEBOOK", () => {
    expect(afterRef(multi, multi.steps[0])).toBe('01_ingest');
    expect(afterRef(multi, multi.steps[1])).toBe('../shared/02_prep:clean');
    expect(afterRef(multi, multi.steps[2])).toBe('scale_rows');
  });

  it('offers every step but the own one, as its tag spells it', () => {
    expect(afterChoices(multi, 'fit')).toEqual([
      { ref: '01_ingest', step: 'ingest' },
      { ref: '../shared/02_prep:clean', step: 'prep-clean' },
      { ref: 'scale_rows', step: 'scale_rows' }
    ]);
    expect(afterChoices(single, null).map(c => c.ref)).toEqual(['load', 'features', 'train']);
    expect(afterChoices(null, null)).toEqual([]);
  });

  it("leaves out this notebook's step without a step: tag (gone once the cell starts one)", () => {
    const untagged = {
      ...multi,
      notebooks: ['/srv/proj/nb/02_scale.ipynb', '/srv/proj/nb/01_ingest.ipynb'],
      steps: [step('ingest', '01_ingest.ipynb', [], null), step('scale', '02_scale.ipynb', ['ingest'], null)]
    } as unknown as IPipeline;
    expect(afterChoices(untagged, null)).toEqual([{ ref: '01_ingest', step: 'ingest' }]);
    const main = { ...single, steps: [step('main', null, [], null)] } as unknown as IPipeline;
    expect(afterChoices(main, null)).toEqual([]);
  });

  it("ticks the cell's own after: tags, the cross-notebook one included", () => {
    // issue 25: a cell tagged after:01_ingest, made a step: its box is ticked, not lost
    const { choices, ticked } = dialogAfters(multi, null, ['after:01_ingest'], []);
    expect(ticked).toEqual(['01_ingest']);
    expect(choices.map(c => c.ref)).toContain('01_ingest');
  });

  it('keeps a whole-notebook reference to a notebook with steps, ticked', () => {
    const { choices, ticked } = dialogAfters(multi, 'fit', ['step:fit', 'after:../shared/02_prep'], []);
    expect(choices).toContainEqual({ ref: '../shared/02_prep', step: null });
    expect(ticked).toEqual(['../shared/02_prep']);
  });

  it('shows a reference that names nothing of the pipeline unticked, so accepting drops it', () => {
    const { choices, ticked } = dialogAfters(single, 'train', ['step:train', 'after:features', 'after:gone'], []);
    expect(choices).toContainEqual({ ref: 'gone', step: null, note: 'names no step' });
    expect(ticked).toEqual(['features']);
  });

  it('ticks the steps a step follows by default when it has no after: tag', () => {
    expect(dialogAfters(single, 'train', ['step:train'], ['features']).ticked).toEqual(['features']);
    expect(dialogAfters(multi, 'fit', ['step:fit'], ['scale_rows', 'prep-clean']).ticked).toEqual([
      'scale_rows',
      '../shared/02_prep:clean'
    ]);
  });

  it('maps references back to step names for the loop check', () => {
    const choices = afterChoices(multi, null);
    expect(stepsOf(['../shared/02_prep:clean', 'nowhere', '01_ingest'], choices)).toEqual(['prep-clean', 'ingest']);
  });
});
