/**
 * Run from the panel: the parameters form, each step finishing live in the panel and the graph,
 * the executed step notebook opening in JupyterLab, and the metrics and MLflow run.
 */
import { expect, test } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as path from 'path';

import { graphNode, openNotebook, PANEL, ROOT, shot } from './helpers';

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
  // the header says so too, not "ready"
  await expect(page.locator(`${PANEL} .nbo-summary`)).toHaveText('5 steps · 5 parameters · running…');
  await shot(page, 'run-running');
  // the run's parameters are on it, the value given and the defaults
  await expect(page.locator(`${PANEL} .nbo-run-params`)).toContainText('n_customers = 1500');
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
  // the notebook's target (accuracy >= 0.8) with the value against it; other metrics beside
  await expect(page.locator(`${PANEL} .nbo-target[data-metric="accuracy"]`)).toContainText(
    /accuracy = 0\.\d+ \(target >= 0\.8: (met|missed)\)/
  );
  await expect(page.locator(`${PANEL} .nbo-metric[data-metric="linear_accuracy"]`)).toContainText(
    'linear_accuracy = 0.'
  );
  await expect(page.locator(`${PANEL} .nbo-mlflow`)).toContainText('MLflow run');
  await expect(page.locator(`${PANEL} .nbo-summary`)).toHaveText('5 steps · 5 parameters · ready');
  await shot(page, 'run-finished');

  // the past run in Recent runs says when it ran, how long and with what, not its id alone
  await page.locator(`${PANEL} .nbo-recent-runs summary`).click();
  const past = page.locator(`${PANEL} .nbo-recent-run`).first();
  await expect(past).toContainText(/(succeeded|below target) .*\d\d:\d\d · .*n_customers = 1500/);
  await shot(page, 'run-recent');

  // the executed notebook of a step opens in JupyterLab, with its outputs
  await page.locator(`${PANEL} .nbo-step-run[data-step="evaluate"] .nbo-open-step`).click();
  const frame = page.frameLocator('.nbo-step-notebook iframe');
  await expect(frame.locator('body')).toContainText('linear', { timeout: 30000 });
  await expect(frame.locator('body')).toContainText('accuracy');
  // the user's cells, not the runner's _nbo_* plumbing
  await expect(frame.locator('body')).not.toContainText('_nbo_');
  await shot(page, 'run-step-notebook');
});

test('a running pipeline can be cancelled from the panel', async ({ page, tmpPath }) => {
  const slow = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    cells: [
      {
        cell_type: 'code',
        id: 'a',
        source: 'import time\ntime.sleep(120)',
        metadata: { tags: ['step:wait'] },
        outputs: [],
        execution_count: null
      },
      {
        cell_type: 'code',
        id: 'b',
        source: 'done = True',
        metadata: { tags: ['step:after'] },
        outputs: [],
        execution_count: null
      }
    ]
  };
  const local = path.join(ROOT, 'build', 'browser-results', 'slow.ipynb');
  fs.mkdirSync(path.dirname(local), { recursive: true });
  fs.writeFileSync(local, JSON.stringify(slow));
  await openNotebook(page, tmpPath, local, 'slow.ipynb');

  await page.locator(`${PANEL} .nbo-run-button`).click();
  await page.locator('.jp-Dialog .jp-mod-accept').click();
  await expect(page.locator(`${PANEL} .nbo-step-run[data-step="wait"]`)).toHaveClass(/nbo-status-running/, {
    timeout: 90000
  });
  await expect(graphNode(page, 'wait')).toHaveClass(/nbo-status-running/);
  await page.locator(`${PANEL} .nbo-cancel-button`).click();
  await expect(page.locator(`${PANEL} .nbo-run-head .nbo-status`)).toHaveText('cancelled', { timeout: 90000 });
  await expect(page.locator(`${PANEL} .nbo-step-run[data-step="after"]`)).not.toHaveClass(/nbo-status-succeeded/);
  await expect(page.locator(`${PANEL} .nbo-run-button`)).toBeEnabled();
  await shot(page, 'run-cancelled');
});
