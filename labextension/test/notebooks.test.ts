import { IPipeline, IStep } from '../src/api';
import { isMulti, notebookFiles, notebookLabel, openPath, otherNotebook } from '../src/notebooks';

const step = (name: string, notebook: string | null): IStep => ({ name, notebook }) as unknown as IStep;

const multi = {
  name: 'train',
  path: 'proj/nb/03_train.ipynb',
  notebooks: ['/srv/proj/nb/03_train.ipynb', '/srv/proj/nb/01_ingest.ipynb', '/srv/proj/shared/prep.ipynb'],
  steps: [step('ingest', '01_ingest.ipynb'), step('prep', '../shared/prep.ipynb'), step('fit', '03_train.ipynb')]
} as unknown as IPipeline;

const single = {
  name: 'churn',
  path: 'churn.ipynb',
  notebooks: [],
  steps: [step('load', null)]
} as unknown as IPipeline;

describe('pipelines across notebooks', () => {
  it('lists the notebooks relative to the entry, entry first', () => {
    expect(isMulti(multi)).toBe(true);
    expect(notebookFiles(multi)).toEqual(['03_train.ipynb', '01_ingest.ipynb', '../shared/prep.ipynb']);
  });

  it("names another notebook's step and not the entry's", () => {
    expect(otherNotebook(multi, multi.steps[0])).toBe('01_ingest.ipynb');
    expect(otherNotebook(multi, multi.steps[1])).toBe('../shared/prep.ipynb');
    expect(otherNotebook(multi, multi.steps[2])).toBeNull();
  });

  it('gives a single-notebook pipeline no labels', () => {
    expect(isMulti(single)).toBe(false);
    expect(notebookFiles(single)).toEqual([]);
    expect(otherNotebook(single, single.steps[0])).toBeNull();
  });

  it('labels a notebook by its file name', () => {
    expect(notebookLabel('../shared/prep.ipynb')).toBe('prep');
    expect(notebookLabel('01_ingest.ipynb')).toBe('01_ingest');
  });

  it("opens another notebook relative to the entry's folder", () => {
    expect(openPath('proj/nb/03_train.ipynb', '01_ingest.ipynb')).toBe('proj/nb/01_ingest.ipynb');
    expect(openPath('proj/nb/03_train.ipynb', '../shared/prep.ipynb')).toBe('proj/shared/prep.ipynb');
    expect(openPath('03_train.ipynb', 'sub/a.ipynb')).toBe('sub/a.ipynb');
  });
});
