/**
 * Beyond one machine, from the panel: the Run dialog's Cluster choice reaches the server (a Dask
 * scheduler nobody runs gives the server's one-line error in the panel, and nothing runs), and
 * the "Remote runs (Airflow)" section is offered only when the server has an Airflow.
 *
 * The section against a real Airflow is not driven here: Airflow 3's api-server, scheduler and
 * dag-processor take minutes to start, too slow for this suite; tests/deploy runs them for
 * `runs list --airflow` and the same route, and labextension/test/remoteruns.test.ts renders a
 * reply.
 */
import { expect, test } from '@jupyterlab/galata';

import { openNotebook, PANEL, shot } from './helpers';

test('the Run dialog sends the Dask scheduler and data store; an unreachable one is one line', async ({
  page,
  tmpPath
}) => {
  await openNotebook(page, tmpPath);
  await page.locator(`${PANEL} .nbo-run-button`).click();
  const dialog = page.locator('.jp-Dialog');
  await dialog.locator('.nbo-run-cluster').fill('tcp://127.0.0.1:9');
  await dialog.locator('.nbo-run-data-url').fill('memory://nbo/browser');
  const posted = page.waitForRequest(r => r.method() === 'POST' && r.url().includes('/notebook-ops/api/runs'));
  await dialog.locator('.jp-mod-accept').click();
  const body = (await posted).postDataJSON();
  expect(body.cluster).toBe('tcp://127.0.0.1:9');
  expect(body.data_url).toBe('memory://nbo/browser');

  // the runner gives a scheduler 20 s to answer (dask retries a refused connection meanwhile)
  await expect(page.locator(`${PANEL} .nbo-run-button`)).toHaveText('Starting…');
  const error = page.locator(`${PANEL} .nbo-run .nbo-error`);
  await expect(error).toContainText('cannot reach the Dask scheduler at tcp://127.0.0.1:9', { timeout: 60000 });
  expect((await error.innerText()).trim().split('\n')).toHaveLength(1);
  await expect(page.locator(`${PANEL} .nbo-run-details`)).toHaveCount(0);
  await shot(page, 'cluster-unreachable');

  // left empty, the fields are not sent: the run is local again
  await page.locator(`${PANEL} .nbo-run-button`).click();
  await expect(dialog.locator('.nbo-run-cluster')).toHaveValue('tcp://127.0.0.1:9'); // remembered
  await dialog.locator('.nbo-run-cluster').fill('');
  await dialog.locator('.nbo-run-data-url').fill('');
  const local = page.waitForRequest(r => r.method() === 'POST' && r.url().includes('/notebook-ops/api/runs'));
  await dialog.locator('.jp-mod-accept').click();
  const localBody = (await local).postDataJSON();
  expect(localBody).not.toHaveProperty('cluster');
  expect(localBody).not.toHaveProperty('data_url');
  await expect(page.locator(`${PANEL} .nbo-run-details`)).toBeVisible();
  await page.locator(`${PANEL} .nbo-cancel-button`).click();
  await expect(page.locator(`${PANEL} .nbo-run-head .nbo-status`)).toHaveText(/cancelled|succeeded|below target/, {
    timeout: 90000
  });
});

test('no Airflow configured: no Remote runs section', async ({ page, tmpPath }) => {
  const features = await (await page.request.get('/notebook-ops/api/')).json();
  expect(features.features.remote_runs).toBe(false);
  await openNotebook(page, tmpPath);
  await expect(page.locator(`${PANEL} .nbo-run`)).toBeVisible();
  await expect(page.locator(`${PANEL} .nbo-remote-runs`)).toHaveCount(0);
});
