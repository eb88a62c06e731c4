/**
 * Issue 25 defect 1: "Make step" (P S) on a cell tagged `after:01_ingest` kept only its new
 * `step:` tag, and the pipeline fell back to one notebook. Here the cell keeps `after:01_ingest`
 * (its box ticked, spelled as the tag spells it), the pipeline still spans both notebooks, and
 * the user's own tag stays too.
 */
import { expect, test } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as path from 'path';

import { cellTags, graphNode, INotebookFile, openNotebook, PANEL, ROOT, shot } from './helpers';

function writeNotebook(folder: string, name: string, cells: [string, string[]][]): string {
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
  const local = path.join(folder, name);
  fs.writeFileSync(local, JSON.stringify(nb, null, 1));
  return local;
}

test('P S on a cell tagged after:01_ingest keeps that tag and the pipeline across notebooks', async ({
  page,
  tmpPath
}) => {
  const folder = path.join(ROOT, 'build', 'browser-results', 'makestep');
  fs.mkdirSync(folder, { recursive: true });
  const ingest = writeNotebook(folder, '01_ingest.ipynb', [['rows = [1, 2, 3, 4]', []]]);
  const scale = writeNotebook(folder, '02_scale.ipynb', [
    ['scaled = [r * 2 for r in rows]', ['after:01_ingest', 'reviewed']],
    ['total = sum(scaled)', []]
  ]);
  await page.contents.uploadFile(ingest, `${tmpPath}/01_ingest.ipynb`);
  await openNotebook(page, tmpPath, scale, '02_scale.ipynb');

  const panel = page.locator(PANEL);
  await expect(graphNode(page, 'ingest')).toBeVisible();
  await expect(panel.locator('.nbo-notebooks')).toBeVisible();

  await page.notebook.selectCells(0);
  await page.keyboard.press('Escape');
  await page.keyboard.press('p');
  await page.keyboard.press('s');
  const dialog = page.locator('.jp-Dialog');
  await expect(dialog).toBeVisible();
  // the other notebook's step is offered as the tag spells it, and ticked: the cell's own tag
  const box = dialog.locator('.nbo-after-option', { hasText: '01_ingest' }).locator('input');
  await expect(box).toBeChecked();
  await expect(box).toHaveValue('01_ingest');
  // this notebook's own untagged step ("scale") is not offered: it is gone once the cell is a step
  await expect(dialog.locator('.nbo-after-option')).toHaveCount(1);
  await dialog.locator('input.nbo-step-name').fill('scale_rows');
  await shot(page, 'make-step-keeps-after-notebook-dialog');
  await dialog.locator('.jp-mod-accept').click();
  await expect(dialog).toHaveCount(0);

  expect(await cellTags(page, 0)).toEqual(['reviewed', 'step:scale_rows', 'after:01_ingest']);
  // still one graph across both notebooks: ingest, then scale_rows, no problem
  await expect(graphNode(page, 'scale_rows')).toBeVisible();
  await expect(graphNode(page, 'ingest')).toBeVisible();
  await expect(panel.locator('.nbo-notebooks')).toBeVisible();
  await expect(panel.locator('.nbo-problems .nbo-ok')).toBeVisible();
  await shot(page, 'make-step-keeps-after-notebook');
});

test('a notebook with no step yet is taught P S, and the hint goes once a cell is a step', async ({
  page,
  tmpPath
}) => {
  const folder = path.join(ROOT, 'build', 'browser-results', 'makestep');
  fs.mkdirSync(folder, { recursive: true });
  const plain = writeNotebook(folder, 'plain.ipynb', [
    ['rows = [1, 2, 3]', []],
    ['total = sum(rows)', []]
  ]);
  await openNotebook(page, tmpPath, plain, 'plain.ipynb');
  const panel = page.locator(PANEL);
  await expect(panel.locator('.nbo-summary')).toHaveText('1 step · 0 parameters · ready');
  const hint = panel.locator('.nbo-tag-hint');
  await expect(hint).toContainText('select its first cell and press P S');
  await expect(hint.locator('kbd')).toHaveText(['P', 'S']);
  await shot(page, 'untagged-notebook-hint');

  await page.notebook.selectCells(1);
  await page.keyboard.press('Escape');
  await page.keyboard.press('p');
  await page.keyboard.press('s');
  const dialog = page.locator('.jp-Dialog');
  await dialog.locator('input.nbo-step-name').fill('add');
  await dialog.locator('.jp-mod-accept').click();
  await expect(graphNode(page, 'add')).toBeVisible();
  await expect(hint).toHaveCount(0);
});
