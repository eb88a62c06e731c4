/**
 * Journey 1 (tag): open the example notebook, see its pipeline, tag a cell as a step through the
 * UI and see the new step in the graph; click a problem to reach its cell and fix it.
 */
import { expect, test } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as path from 'path';

import { activeCellIndex, cellTags, graphNode, notebookMetadata, openNotebook, PANEL, ROOT, shot } from './helpers';

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
  const tags = await cellTags(page, 6);
  expect(tags).toEqual(['step:prepare', 'after:features']);
  await shot(page, 'tag-step-from-context-menu');

  // Undo (Z in command mode) takes the tags back like any other edit.
  await page.notebook.selectCells(6);
  await page.keyboard.press('Escape');
  await page.keyboard.press('z');
  await expect(graphNode(page, 'prepare')).toHaveCount(0);
  const after = await cellTags(page, 6);
  expect(after).toEqual([]);

  // "features" runs after the step above by default: the dialog shows it so, and accepting it as
  // shown writes no after: tag (the step keeps following whatever step is above it)
  await page.notebook.selectCells(5);
  await page.keyboard.press('Escape');
  await page.keyboard.press('p');
  await page.keyboard.press('s');
  await expect(dialog.locator('input.nbo-step-name')).toHaveValue('features');
  await expect(dialog.locator('.nbo-after-option', { hasText: 'load' }).locator('input')).toBeChecked();
  await dialog.locator('.jp-mod-accept').click();
  await expect(dialog).toHaveCount(0);
  expect(await cellTags(page, 5)).toEqual(['step:features']);
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
  await expect.poll(() => activeCellIndex(page)).toBe(9);
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

test.describe('on a wide screen', () => {
  // JupyterLab hides the cell toolbar when it would cover code, so give the notebook room.
  test.use({ viewport: { width: 1600, height: 900 } });

  test('cell toolbar, command palette and the settings form edit ordinary notebook metadata', async ({
    page,
    tmpPath
  }) => {
    await openNotebook(page, tmpPath);
    const cells = page.locator('.jp-Notebook .jp-Cell');

    // the cell toolbar's pipeline button opens "Make step…" for the active cell
    // (cell 2, the setup cell: its short first line leaves room for the toolbar)
    await page.notebook.selectCells(2);
    await cells.nth(2).locator('.jp-cell-toolbar [data-command="notebook-ops:make-step"]').click();
    const dialog = page.locator('.jp-Dialog');
    await dialog.locator('input.nbo-step-name').fill('imports');
    await dialog.locator('.jp-mod-accept').click();
    await expect(cells.nth(2).locator('.nbo-cell-badge-label')).toHaveText('step imports');
    await expect(page.locator(`${PANEL} .nbo-graph-node[data-step="imports"]`)).toBeVisible();

    // the command palette makes it a setup cell again
    await page.notebook.selectCells(2);
    await page.keyboard.press('Control+Shift+C');
    await page.locator('.lm-CommandPalette-input').fill('Setup Cell');
    await page.keyboard.press('Enter');
    // the cell starts step "imports": the user is asked before the step goes
    await expect(dialog).toContainText('starts step "imports" (cell 3)');
    await dialog.locator('.jp-mod-accept').click();
    await expect(cells.nth(2)).toHaveClass(/nbo-role-setup/);
    await expect(page.locator(`${PANEL} .nbo-graph-node[data-step="imports"]`)).toHaveCount(0);

    // settings: the form shows what metadata.notebook_ops holds ...
    await expect(page.locator(`${PANEL} .nbo-settings textarea`).first()).toHaveValue(/Predict which customers/);
    await expect(page.locator(`${PANEL} .nbo-settings textarea.nbo-mono`)).toHaveValue('accuracy >= 0.8');
    // ... and owner and a step option land there
    const owner = page.locator(`${PANEL} .nbo-settings input[placeholder="team or e-mail"]`);
    await owner.fill('ml-team@example.com');
    await owner.press('Enter');
    await owner.blur();
    await page.locator(`${PANEL} .nbo-step-select`).selectOption('train_tree');
    const retries = page.locator(`${PANEL} .nbo-step-options[data-step="train_tree"] input[placeholder="0"]`).first();
    await retries.fill('2');
    await retries.blur();
    await expect
      .poll(() => notebookMetadata(page, 'notebook_ops'))
      .toMatchObject({ owner: 'ml-team@example.com', steps: { train_tree: { retries: 2 } } });
    await shot(page, 'settings-and-palette');
  });
});
