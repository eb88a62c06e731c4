/**
 * Issue 25 items 3 and 7 on the generated 13-step notebook, with the pipeline panel narrowed to
 * 250 px: a run whose training step fails, then the fixed run (the steps before it reused).
 * At that width every step row keeps its run status visible (names end in an ellipsis, with a
 * title) and the failed step is marked; a past run opens in full (parameters, steps with wall
 * time, CPU and peak memory, cached marks, metrics against targets, the MLflow run); two past
 * runs ticked in Recent runs compare side by side (parameters that differ, metrics with deltas,
 * per step reused or re-ran), as `notebook-ops runs compare` says.
 */
import { expect, test } from '@jupyterlab/galata';

import { graphNode, insideAcross, openNotebook, PANEL, setRightSidebarWidth, shot, writeWideNotebook } from './helpers';

test.use({ viewport: { width: 1280, height: 900 } });

test('at 250 px: the failed step reads, a past run opens in full, two runs compare', async ({ page, tmpPath }) => {
  test.setTimeout(600000);
  await openNotebook(page, tmpPath, writeWideNotebook('past.ipynb'), 'past.ipynb');
  await page.sidebar.close('left');
  const panel = page.locator(PANEL);
  const width = await setRightSidebarWidth(page, 250);
  expect(Math.abs(width - 250)).toBeLessThanOrEqual(3);
  const dialog = page.locator('.jp-Dialog');
  const status = panel.locator('.nbo-run-head .nbo-status');

  // a run whose train_forest step fails
  await panel.locator('.nbo-run-button').click();
  await dialog.locator('input[name="fail_step"]').fill('train_forest');
  await dialog.locator('.jp-mod-accept').click();
  await expect(status).toHaveText('failed', { timeout: 300000 });

  // every row of the graph keeps its status in view; the failed one is marked, not just coloured
  const failedRow = graphNode(page, 'train_forest');
  await expect(failedRow).toHaveClass(/nbo-status-failed/);
  await expect(failedRow.locator('.nbo-lane-status')).toHaveText('✗ failed');
  await expect(failedRow.locator('.nbo-lane-status')).toHaveAttribute('title', 'train_forest: failed');
  for (const row of await panel.locator('.nbo-lane-row').all()) {
    const step = await row.getAttribute('data-step');
    const name = row.locator('.nbo-lane-name');
    await expect(name).toHaveAttribute('title', step!);
    expect(await name.evaluate(el => getComputedStyle(el).textOverflow)).toBe('ellipsis');
    if (await row.locator('.nbo-lane-status').count()) {
      expect(await insideAcross(row.locator('.nbo-lane-status'), row), `${step}'s status is cut off`).toBe(true);
    }
    expect(await insideAcross(row, panel)).toBe(true);
  }
  // the run's step list: the failed step's status and error are inside the panel
  const failedRun = panel.locator('.nbo-step-run[data-step="train_forest"]');
  await expect(failedRun.locator('.nbo-step-run-status')).toHaveText('✗ failed');
  expect(await insideAcross(failedRun.locator('.nbo-step-run-status'), panel)).toBe(true);
  expect(await insideAcross(failedRun.locator('.nbo-step-error'), panel)).toBe(true);
  await panel.evaluate(node => (node.scrollTop = 0));
  await shot(page, 'pastruns-250px-failed');

  // the fixed run: the steps before train_forest are reused from the cache
  await panel.locator('.nbo-run-button').click();
  await dialog.locator('input[name="fail_step"]').fill('');
  await dialog.locator('.jp-mod-accept').click();
  await expect(status).toHaveText('below target', { timeout: 300000 });

  // a past run in full: parameters, each step's time and cost, cached marks, targets, MLflow
  const details = panel.locator('.nbo-run-details');
  await expect(details.locator('.nbo-run-params')).toHaveText('n_rows = 300 · seed = 7 · fail_step = ""');
  await expect(details.locator('.nbo-step-run[data-step="load"] .nbo-step-run-status')).toHaveText('cached');
  await expect(details.locator('.nbo-step-run[data-step="load"] .nbo-step-run-status')).toHaveAttribute(
    'title',
    /^reused: its outputs came from the cache/
  );
  const forest = details.locator('.nbo-step-run[data-step="train_forest"]');
  await expect(forest.locator('.nbo-step-run-status')).toHaveText('succeeded');
  await expect(forest.locator('.nbo-step-cost')).toHaveText(/^\d+\.\d\d s CPU · \d+ MiB$/);
  await expect(details.locator('.nbo-run-cost')).toHaveText(/s CPU · \d+ MiB/);
  await expect(details.locator('.nbo-target[data-metric="best_score"]')).toContainText('target >= 0.99: missed');
  await expect(details.locator('.nbo-mlflow')).toContainText('MLflow run');

  // the failed run, opened again from Recent runs, shows its own parameters and failed step
  await panel.locator('.nbo-recent-runs summary').click();
  await expect(panel.locator('.nbo-recent-run')).toHaveCount(2, { timeout: 30000 });
  await panel.locator('.nbo-recent-run', { hasText: 'failed' }).click();
  await expect(status).toHaveText('failed');
  await expect(details.locator('.nbo-run-params')).toContainText('fail_step = "train_forest"');
  await expect(details.locator('.nbo-step-run[data-step="train_forest"]')).toHaveClass(/nbo-status-failed/);

  // tick both runs: compare them side by side
  await expect(panel.locator('.nbo-compare-button')).toHaveCount(0);
  for (const pick of await panel.locator('.nbo-compare-pick').all()) {
    await pick.check();
  }
  await panel.locator('.nbo-compare-button').click();
  const cmp = panel.locator('.nbo-compare');
  await expect(cmp).toBeVisible();
  await expect(cmp.locator('[data-parameter]')).toHaveCount(1);
  await expect(cmp.locator('[data-parameter="fail_step"]')).toContainText('"train_forest" → ""');
  await expect(cmp.locator('.nbo-compare-params')).toContainText('2 the same');
  // the older (failed) run is a: its steps before the failure ran, the newer reused them
  await expect(cmp.locator('[data-step="load"] .nbo-compare-outcome-b')).toHaveText('reused');
  await expect(cmp.locator('[data-step="train_forest"]')).toContainText('failed → re-ran');
  await expect(cmp.locator('[data-step="compare"]')).toContainText('not run → re-ran');
  await expect(cmp.locator('[data-metric="best_score"] .nbo-compare-delta')).toHaveText('');
  await expect(cmp.locator('[data-metric="best_score"] .nbo-compare-verdict')).toHaveText('✗');
  for (const row of await cmp.locator('tr').all()) {
    expect(await insideAcross(row, panel)).toBe(true);
  }
  // at 250 px each step's outcomes and times are read whole, not cut to an ellipsis
  for (const line of await cmp.locator('.nbo-compare-outcomes, .nbo-compare-time').all()) {
    expect(await line.evaluate(el => el.scrollWidth <= el.clientWidth + 1), await line.innerText()).toBe(true);
  }
  await cmp.scrollIntoViewIfNeeded();
  await shot(page, 'pastruns-compare');
  await cmp.locator('.nbo-compare-close').click();
  await expect(cmp).toHaveCount(0);
});
