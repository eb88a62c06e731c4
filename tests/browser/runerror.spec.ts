/**
 * Issue 25 defect 3: a failed step's error names its cell as JupyterLab numbers it, and its link
 * selects that cell (the cell that failed, not the step's first cell nor the one above it).
 */
import { expect, test } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as path from 'path';

import { activeCellIndex, INotebookFile, openNotebook, PANEL, ROOT, shot } from './helpers';

test('a failed step links to the cell that failed, named by its JupyterLab number', async ({ page, tmpPath }) => {
  test.setTimeout(300000);
  const cells: [string, string[]][] = [
    ['x = 1', ['step:load']],
    ['y = x + 1', []],
    ['raise ValueError("boom in the third cell")', []],
    ['z = y', ['step:report']]
  ];
  const nb: INotebookFile = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    cells: cells.map(([source, tags], i) => ({
      cell_type: 'code',
      id: `c${i}`,
      source,
      metadata: { tags },
      outputs: [],
      execution_count: null
    }))
  };
  const folder = path.join(ROOT, 'build', 'browser-results', 'runerror');
  fs.mkdirSync(folder, { recursive: true });
  const local = path.join(folder, 'fails.ipynb');
  fs.writeFileSync(local, JSON.stringify(nb, null, 1));
  await openNotebook(page, tmpPath, local, 'fails.ipynb');

  const panel = page.locator(PANEL);
  await panel.locator('.nbo-run-button').click();
  await page.locator('.jp-Dialog .jp-mod-accept').click();
  const failed = panel.locator('.nbo-step-run[data-step="load"]');
  await expect(failed).toHaveClass(/nbo-status-failed/, { timeout: 240000 });
  const error = failed.locator('.nbo-step-error');
  await expect(error).toContainText('ValueError: boom in the third cell (in step code, notebook cell 3)');
  await expect(error).toHaveAttribute('title', 'Go to the cell that failed (cell 3)');
  await page.notebook.selectCells(0);
  await error.click();
  await expect.poll(() => activeCellIndex(page)).toBe(2); // index 2: JupyterLab's cell 3
  await shot(page, 'run-error-selects-the-failed-cell');
});
