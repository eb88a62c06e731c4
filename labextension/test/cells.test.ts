import { cellInfos } from '../src/cells';
import type { IPipeline, IStep } from '../src/api';

const step = (name: string, cells: number[], start: number | null, after: string[] = [], notebook?: string) =>
  ({ name, cells, start_cell: start, after, notebook: notebook ?? null }) as unknown as IStep;

const view = (roles: string[], steps: IStep[], notebooks: string[] = []) =>
  ({ cell_roles: roles, steps, notebooks }) as unknown as IPipeline;

describe('cell roles from the pipeline view', () => {
  it('gives each cell its step, the badge on the cell with the step: tag', () => {
    // a title before the first step joins it; the step's tag is on cell 2
    const infos = cellInfos(
      view(
        ['markdown', 'parameters', 'code', 'code', 'skip', 'code', 'code', 'metrics'],
        [step('load', [0, 2, 3], 2), step('train', [5, 6], 5, ['load'])]
      )
    );
    expect(infos.map(i => i.step)).toEqual(['load', null, 'load', 'load', null, 'train', 'train', null]);
    expect(infos.map(i => i.role)).toEqual(['none', 'parameters', 'step', 'none', 'skip', 'step', 'none', 'metrics']);
    expect(infos[5]).toMatchObject({ starts: true, after: ['load'] });
    expect(infos[0].starts).toBe(false);
  });

  it('gives no badge to the implicit step of an untagged notebook', () => {
    const infos = cellInfos(view(['code', 'code'], [step('main', [0, 1], null)]));
    expect(infos.map(i => [i.step, i.starts])).toEqual([
      ['main', false],
      ['main', false]
    ]);
  });

  it("leaves another notebook's steps off this notebook's cells", () => {
    const infos = cellInfos(
      view(
        ['code'],
        [step('prep', [0], 0, [], 'prep.ipynb'), step('train', [0], 0, [], 'main.ipynb')],
        ['main.ipynb', 'prep.ipynb']
      )
    );
    expect(infos[0]).toMatchObject({ step: 'train', starts: true });
  });

  it("badges the other notebooks' steps a step runs after, on its first cell", () => {
    // 03_train (the entry, untagged: one step) runs after the untagged 01_ingest and after
    // step "scale" of 02_features, which has two steps
    const infos = cellInfos(
      view(
        ['markdown', 'code'],
        [
          step('ingest', [0], null, [], '01_ingest.ipynb'),
          step('features-scale', [0], 0, ['ingest'], '02_features.ipynb'),
          step('features-norm', [1], 1, ['features-scale'], '02_features.ipynb'),
          step('train', [0, 1], null, ['ingest', 'features-scale'], '03_train.ipynb')
        ],
        ['p/03_train.ipynb', 'p/01_ingest.ipynb', 'p/02_features.ipynb']
      )
    );
    expect(infos[0].links.map(l => l.label)).toEqual(['⇠ 01_ingest', '⇠ 02_features:scale']);
    expect(infos[0].links[1]).toMatchObject({ step: 'features-scale', notebook: '02_features.ipynb' });
    expect(infos[1].links).toEqual([]);
  });

  it('has nothing to say without a view', () => {
    expect(cellInfos(null)).toEqual([]);
  });
});
