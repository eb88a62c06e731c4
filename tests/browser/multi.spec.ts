/**
 * Issue 16 item 4 on a 3-notebook project written by the test (ingest -> features -> train, the
 * entry): the panel shows the whole graph with each step's notebook, the graph tab too, and a
 * click on another notebook's step opens that notebook at the step's first code cell. A
 * single-notebook pipeline shows no notebook labels.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import { expect, test } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as path from 'path';

import { activeCellIndex, graphNode, INotebookFile, openNotebook, PANEL, ROOT, shot } from './helpers';

type Spec = ['code' | 'markdown', string, string[]];

function writeNotebook(folder: string, name: string, cells: Spec[]): string {
  const nb: INotebookFile = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    cells: cells.map(([type, source, tags], i) =>
      type === 'code'
        ? { cell_type: type, id: `c${i}`, source, metadata: { tags }, outputs: [], execution_count: null }
        : { cell_type: type, id: `c${i}`, source, metadata: { tags } }
    )
  };
  const local = path.join(folder, name);
  fs.writeFileSync(local, JSON.stringify(nb, null, 1));
  return local;
}

test("the pipeline across notebooks shows each step's notebook and opens it", async ({ page, tmpPath }) => {
  const folder = path.join(ROOT, 'build', 'browser-results', 'multi');
  fs.mkdirSync(folder, { recursive: true });
  const ingest = writeNotebook(folder, '01_ingest.ipynb', [['code', 'rows = [1, 2, 3, 4]', ['step:load']]]);
  const features = writeNotebook(folder, '02_features.ipynb', [
    ['markdown', '## Scale the rows', ['step:scale', 'after:01_ingest']],
    ['code', 'feats = [r * 2 for r in rows]', []],
    ['code', 'shifted = [f + offset for f in feats]  # offset: defined nowhere, a problem', []]
  ]);
  const train = writeNotebook(folder, '03_train.ipynb', [
    ['code', 'model = sum(feats)', ['step:fit', 'after:02_features']],
    ['code', 'score = model / 10', ['step:report']]
  ]);
  await page.contents.uploadFile(ingest, `${tmpPath}/01_ingest.ipynb`);
  await page.contents.uploadFile(features, `${tmpPath}/02_features.ipynb`);
  await openNotebook(page, tmpPath, train, '03_train.ipynb');

  const panel = page.locator(PANEL);
  const rows = panel.locator('.nbo-lane-row');
  await expect(rows).toHaveCount(4);
  const names = await rows.evaluateAll(els => els.map(e => e.getAttribute('data-step')));
  expect(names).toEqual(['ingest-load', 'features-scale', 'fit', 'report']);
  await expect(panel.locator('.nbo-notebooks')).toHaveText(
    '3 notebooks: 03_train.ipynb01_ingest.ipynb02_features.ipynb'
  );
  await expect(panel.locator('.nbo-notebook.nbo-entry')).toHaveText('03_train.ipynb');
  await expect(graphNode(page, 'ingest-load').locator('.nbo-lane-notebook')).toHaveText('01_ingest');
  await expect(graphNode(page, 'features-scale').locator('.nbo-lane-notebook')).toHaveText('02_features');
  await expect(graphNode(page, 'fit').locator('.nbo-lane-notebook')).toHaveCount(0);
  await expect(panel.locator('.nbo-lane-edge')).toHaveCount(3);
  // the other notebook's problem is marked on its step
  await expect(graphNode(page, 'features-scale')).toHaveClass(/nbo-has-problem/);
  await shot(page, 'multi-sidebar');

  // the graph tab: the notebooks in its toolbar, a notebook line on the other notebooks' steps
  await panel.locator('.nbo-open-graph').click();
  const tab = page.locator('.nbo-graph-tab');
  await expect(tab.locator('.nbo-graph-node')).toHaveCount(4);
  await expect(tab.locator('.nbo-graph-toolbar .nbo-notebook')).toHaveCount(3);
  await expect(tab.locator('.nbo-graph-node[data-step="features-scale"] .nbo-graph-notebook')).toHaveText(
    '▤ 02_features'
  );
  await expect(tab.locator('.nbo-graph-notebook')).toHaveCount(2);
  await shot(page, 'multi-graph-tab');

  // a click on another notebook's step opens it, at the step's first code cell (below its title)
  await graphNode(page, 'features-scale').click();
  await expect(page.locator('.jp-NotebookPanel:visible .jp-Notebook')).toBeVisible();
  await expect
    .poll(() =>
      page.evaluate(
        () => (window as unknown as { jupyterapp: JupyterFrontEnd }).jupyterapp.shell.currentWidget?.title.label
      )
    )
    .toBe('02_features.ipynb');
  await expect.poll(() => activeCellIndex(page)).toBe(1);
  await shot(page, 'multi-opened');

  // a step of the entry stays in the entry
  await page.evaluate(async path => {
    await (window as unknown as { jupyterapp: JupyterFrontEnd }).jupyterapp.commands.execute('docmanager:open', {
      path
    });
  }, `${tmpPath}/03_train.ipynb`);
  await expect(page.locator(`${PANEL} .nbo-notebooks`)).toBeVisible();
  await graphNode(page, 'report').click();
  await expect.poll(() => activeCellIndex(page)).toBe(1);

  // a click on the other notebook's problem opens it at the problem's cell
  await panel.locator('.nbo-problem[data-code="undefined-name"]').click();
  await expect
    .poll(() =>
      page.evaluate(
        () => (window as unknown as { jupyterapp: JupyterFrontEnd }).jupyterapp.shell.currentWidget?.title.label
      )
    )
    .toBe('02_features.ipynb');
  await expect.poll(() => activeCellIndex(page)).toBe(2);

  // one notebook: no notebook list, no labels
  await openNotebook(page, tmpPath);
  await expect(graphNode(page, 'load')).toBeVisible();
  await expect(panel.locator('.nbo-notebooks')).toHaveCount(0);
  await expect(panel.locator('.nbo-lane-notebook')).toHaveCount(0);
});
