/**
 * Stale steps: run the pipeline, edit a step's code in the notebook, see that step and the ones
 * after it marked stale (the graph, the cells), Run stale, and the marks clear while the cache
 * reuses the step before the edit.
 */
import { expect, test } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as path from 'path';

import { graphNode, INotebookFile, openNotebook, PANEL, ROOT, shot } from './helpers';

function chainNotebook(): string {
  const code = (id: string, source: string, tags: string[]) => ({
    cell_type: 'code' as const,
    id,
    source,
    metadata: { tags },
    outputs: [] as [],
    execution_count: null
  });
  const nb: INotebookFile = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    cells: [
      code('p', 'n = 5  # how many rows', ['parameters']),
      code('a', 'rows = list(range(n))', ['step:load']),
      code('b', 'scaled = [r * 2 for r in rows]', ['step:scale']),
      code('c', 'total = sum(scaled)', ['step:total']),
      code('d', "msg = f'total {total}'\nprint(msg)", ['step:report'])
    ]
  };
  const local = path.join(ROOT, 'build', 'browser-results', 'stale.ipynb');
  fs.mkdirSync(path.dirname(local), { recursive: true });
  fs.writeFileSync(local, JSON.stringify(nb, null, 1));
  return local;
}

const STEPS = ['load', 'scale', 'total', 'report'];

test('edit a step: it and the steps after it turn stale, Run stale clears them', async ({ page, tmpPath }) => {
  await openNotebook(page, tmpPath, chainNotebook(), 'stale.ipynb');
  const runStale = page.locator(`${PANEL} .nbo-run-stale`);
  const staleRows = page.locator(`${PANEL} .nbo-lane-row.nbo-stale`);

  // never run: every step would run
  await expect(runStale).toHaveText('Run stale (4)');
  await expect(staleRows).toHaveCount(4);
  await expect(graphNode(page, 'load').locator('.nbo-lane-stale')).toHaveText('never run');
  await shot(page, 'stale-never-run');

  await runStale.click();
  await expect(page.locator(`${PANEL} .nbo-run-head .nbo-status`)).toHaveText('succeeded', { timeout: 150000 });
  // the run has ended: asked again, every step is fresh
  await expect(staleRows).toHaveCount(0, { timeout: 60000 });
  await expect(runStale).toHaveText('Run stale');
  await expect(runStale).toBeDisabled();

  // edit scale's code in the notebook, unsaved
  const scaleCell = page.locator('.jp-Notebook .jp-Cell').nth(2);
  await scaleCell.locator('.jp-InputArea-editor').click();
  await page.keyboard.press('End');
  await page.keyboard.type(' + [1]');
  // the panel re-reads the pipeline after a pause: scale, total and report are stale, load is not
  await expect(staleRows).toHaveCount(3);
  for (const step of ['scale', 'total', 'report']) {
    await expect(graphNode(page, step)).toHaveClass(/nbo-stale/);
  }
  await expect(graphNode(page, 'load')).not.toHaveClass(/nbo-stale/);
  await expect(runStale).toHaveText('Run stale (3)');
  await expect(scaleCell.locator('.nbo-cell-badge-stale')).toHaveText('stale · code');
  await expect(page.locator('.jp-Notebook .jp-Cell').nth(3).locator('.nbo-cell-badge-stale')).toHaveText(
    'stale · upstream'
  );
  await expect(page.locator('.jp-Notebook .jp-Cell').nth(1)).not.toHaveClass(/nbo-stale/);
  await page.keyboard.press('Escape');
  await shot(page, 'stale-after-edit');

  // the graph tab marks them too
  await page.locator(`${PANEL} .nbo-open-graph`).click();
  const tabNode = (step: string) => page.locator(`.nbo-graph-tab .nbo-graph-node[data-step="${step}"]`);
  await expect(tabNode('scale')).toHaveClass(/nbo-stale/);
  await expect(tabNode('load')).not.toHaveClass(/nbo-stale/);
  await shot(page, 'stale-graph-tab');
  await page.notebook.activate('stale.ipynb');

  // Run stale: saves, runs; the cache reuses load, the others run; the marks clear
  await runStale.click();
  await expect(page.locator(`${PANEL} .nbo-run-head .nbo-status`)).toHaveText('succeeded', { timeout: 150000 });
  await expect(graphNode(page, 'load')).toHaveClass(/nbo-status-cached/);
  for (const step of ['scale', 'total', 'report']) {
    await expect(graphNode(page, step)).toHaveClass(/nbo-status-succeeded/);
  }
  await expect(staleRows).toHaveCount(0, { timeout: 60000 });
  await expect(page.locator('.jp-Notebook .nbo-cell-badge-stale')).toHaveCount(0);
  for (const step of STEPS) {
    await expect(graphNode(page, step)).not.toHaveClass(/nbo-stale/);
  }
  await shot(page, 'stale-cleared');
});
