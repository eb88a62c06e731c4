import { IFolderView } from '../src/api';
import { fileName, linkLines, notebookOfStep } from '../src/folder';

/** What GET folders answers for tests/folderkit.py's numbered folder (paths as the server names them). */
const view: IFolderView = {
  path: 'analysis',
  name: 'analysis',
  glob: '*.ipynb',
  helpers: ['analysis/common.ipynb'],
  pipeline_file: 'analysis/pipeline.yaml',
  pipeline_file_exists: false,
  notebooks: [
    { path: 'analysis/0-simulate.ipynb', number: 0, steps: ['simulate'], gets: [], runs: [] },
    {
      path: 'analysis/1-load.ipynb',
      number: 1,
      steps: ['load'],
      gets: [
        { notebook: 'analysis/0-simulate.ipynb', what: 'file data/raw.csv' },
        { notebook: 'analysis/5-settings.ipynb', what: 'name factor' }
      ],
      runs: []
    },
    {
      path: 'analysis/10-report.ipynb',
      number: 10,
      steps: ['report'],
      gets: [{ notebook: 'analysis/2-eda.ipynb', what: 'file summary.csv' }],
      runs: ['analysis/common.ipynb']
    },
    { path: 'analysis/extra.ipynb', number: null, steps: ['extra', 'extra_2'], gets: [], runs: [] }
  ]
};

describe('a folder of notebooks as a pipeline', () => {
  it('says why each notebook comes where it does', () => {
    const [simulate, load, report, extra] = view.notebooks;
    expect(linkLines(load)).toEqual(['file data/raw.csv from 0-simulate.ipynb', 'name factor from 5-settings.ipynb']);
    expect(linkLines(report)).toEqual(['file summary.csv from 2-eda.ipynb', '%run common.ipynb (runs inside it)']);
    // nothing handed to it: its number places it, or its name when it has none
    expect(linkLines(simulate)).toEqual(['placed by its number, 0']);
    expect(linkLines(extra)).toEqual(['placed by its name']);
  });

  it("finds a step's notebook", () => {
    expect(notebookOfStep(view, 'load')).toBe('analysis/1-load.ipynb');
    expect(notebookOfStep(view, 'extra_2')).toBe('analysis/extra.ipynb');
    expect(notebookOfStep(view, 'nope')).toBeNull();
    expect(notebookOfStep(view, null)).toBeNull();
    expect(notebookOfStep(null, 'load')).toBeNull();
  });

  it('names a notebook within its folder', () => {
    expect(fileName('analysis/sub/1-load.ipynb')).toBe('1-load.ipynb');
    expect(fileName('top.ipynb')).toBe('top.ipynb');
  });
});
