/**
 * Run from the panel: the parameters form, each step finishing live in the panel and the graph,
 * the executed step notebook opening in JupyterLab, and the metrics and MLflow run.
 */
import { expect, test } from '@jupyterlab/galata';

import { graphNode, openNotebook, PANEL, shot } from './helpers';

test('run the example pipeline from the panel and watch each step finish', async ({ page, tmpPath }) => {
  await openNotebook(page, tmpPath);
  const run = page.locator(`${PANEL} .nbo-run-button`);
  await expect(run).toBeEnabled();
  await run.click();

  const dialog = page.locator('.jp-Dialog');
  const customers = dialog.locator('input[name="n_customers"]');
  await expect(customers).toHaveValue('2000');
  await customers.fill('1500');
  await dialog.locator('.jp-mod-accept').click();

  // live progress: a step is running (or already done) while the run is on
  await expect(page.locator(`${PANEL} .nbo-run-details`)).toBeVisible();
  const steps = ['load', 'features', 'train_linear', 'train_tree', 'evaluate'];
  for (const step of steps) {
    await expect(page.locator(`${PANEL} .nbo-step-run[data-step="${step}"]`)).toHaveClass(/nbo-status-succeeded/, {
      timeout: 150000
    });
  }
  await expect(page.locator(`${PANEL} .nbo-run-head .nbo-status`)).toHaveText(/succeeded|below target/);
  for (const step of steps) {
    await expect(graphNode(page, step)).toHaveClass(/nbo-status-(succeeded|cached)/);
  }
  await expect(page.locator(`${PANEL} .nbo-metric[data-metric="accuracy"]`)).toContainText('accuracy = 0.');
  await expect(page.locator(`${PANEL} .nbo-mlflow`)).toContainText('MLflow run');
  await shot(page, 'run-finished');

  // the executed notebook of a step opens in JupyterLab, with its outputs
  await page.locator(`${PANEL} .nbo-step-run[data-step="evaluate"] .nbo-open-step`).click();
  const frame = page.frameLocator('.nbo-step-notebook iframe');
  await expect(frame.locator('body')).toContainText('linear', { timeout: 30000 });
  await expect(frame.locator('body')).toContainText('accuracy');
  await shot(page, 'run-step-notebook');
});
