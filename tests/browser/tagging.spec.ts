/**
 * Journey 1 (tag): open the example notebook, see its pipeline, tag a cell as a step through the
 * UI and see the new step in the graph; click a problem to reach its cell and fix it.
 */
import { expect, test } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as path from 'path';

import { graphNode, openNotebook, PANEL, ROOT, shot } from './helpers';

test.use({ autoGoto: true });

test('the panel shows the example pipeline and a cell tagged from the context menu joins the graph', async ({
  page,
  tmpPath
}) => {
  await openNotebook(page, tmpPath);
  for (const step of ['load', 'features', 'train_linear', 'train_tree', 'evaluate']) {
    await expect(graphNode(page, step)).toBeVisible();
  }
  await expect(page.locator(`${PANEL} .nbo-parameters tr[data-parameter="n_customers"]`)).toContainText('2000');
  await expect(page.locator(`${PANEL} .nbo-problems .nbo-ok`)).toBeVisible();
  // badges: the step cell carries its name, the skipped cell is muted
  const cells = page.locator('.jp-Notebook .jp-Cell');
  await expect(cells.nth(3).locator('.nbo-cell-badge-label')).toHaveText('step load');
  await expect(cells.nth(4)).toHaveClass(/nbo-role-skip/);

  // Cell 6 (the untagged code cell of "features") becomes step "prepare" through the cell menu.
  await page.notebook.selectCells(6);
  await cells.nth(6).locator('.jp-InputArea-prompt').click({ button: 'right' });
  await page.locator('.lm-Menu-itemLabel', { hasText: /^Pipeline$/ }).hover();
  await page.locator('.lm-Menu-itemLabel', { hasText: 'Make Step…' }).click();
  const dialog = page.locator('.jp-Dialog');
  await expect(dialog).toBeVisible();
  await dialog.locator('input.nbo-step-name').fill('prepare');
  await dialog.locator('.nbo-after-option', { hasText: 'features' }).locator('input').check();
  await dialog.locator('.jp-mod-accept').click();

  await expect(graphNode(page, 'prepare')).toBeVisible();
  await expect(cells.nth(6).locator('.nbo-cell-badge-label')).toHaveText('step prepare  ·  after features');
  // the tag is ordinary cell metadata, as the property inspector shows it
  const tags = await page.evaluate(() => {
    const nb = (window as any).jupyterapp.shell.currentWidget.content;
    return nb.widgets[6].model.getMetadata('tags');
  });
  expect(tags).toEqual(['step:prepare', 'after:features']);
  await shot(page, 'tag-step-from-context-menu');

  // Undo (Z in command mode) takes the tags back like any other edit.
  await page.notebook.selectCells(6);
  await page.keyboard.press('Escape');
  await page.keyboard.press('z');
  await expect(graphNode(page, 'prepare')).toHaveCount(0);
  const after = await page.evaluate(() => {
    const nb = (window as any).jupyterapp.shell.currentWidget.content;
    return nb.widgets[6].model.getMetadata('tags') ?? [];
  });
  expect(after).toEqual([]);
});

test('clicking a problem selects its cell, and fixing the tags clears it', async ({ page, tmpPath }) => {
  const nb = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', 'churn.ipynb'), 'utf-8'));
  nb.cells[9].metadata.tags = ['step:evaluate', 'after:train_linear', 'after:train_forest'];
  const broken = path.join(ROOT, 'build', 'browser-results', 'broken.ipynb');
  fs.mkdirSync(path.dirname(broken), { recursive: true });
  fs.writeFileSync(broken, JSON.stringify(nb));
  await openNotebook(page, tmpPath, broken, 'broken.ipynb');

  const problem = page.locator(`${PANEL} .nbo-problem.nbo-severity-error`).first();
  await expect(problem).toContainText('train_forest');
  await page.notebook.selectCells(0);
  await problem.click();
  await expect
    .poll(() => page.evaluate(() => (window as any).jupyterapp.shell.currentWidget.content.activeCellIndex))
    .toBe(9);
  await shot(page, 'problem-selects-cell');

  // Fix it from the keyboard: "P S" (Make Step…) on the selected cell, choosing the real upstream steps.
  await page.keyboard.press('Escape');
  await page.keyboard.press('p');
  await page.keyboard.press('s');
  const dialog = page.locator('.jp-Dialog');
  await expect(dialog.locator('input.nbo-step-name')).toHaveValue('evaluate');
  await expect(dialog.locator('.nbo-after-option', { hasText: 'train_linear' }).locator('input')).toBeChecked();
  await dialog.locator('.nbo-after-option', { hasText: 'train_tree' }).locator('input').check();
  await dialog.locator('.jp-mod-accept').click();
  await expect(page.locator(`${PANEL} .nbo-problems .nbo-ok`)).toBeVisible();
  await expect(page.locator(`${PANEL} .nbo-problem`)).toHaveCount(0);
  await shot(page, 'problem-fixed');
});
