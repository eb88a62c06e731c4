/** Export from the panel: one click writes the versioned bundle on disk and offers its README. */
import { expect, test } from '@jupyterlab/galata';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

import { openNotebook, PANEL, SERVER_ROOT, shot } from './helpers';

test('one click exports the example as a bundle and opens its README', async ({ page, tmpPath }) => {
  await openNotebook(page, tmpPath);
  const button = page.locator(`${PANEL} .nbo-export-button`);
  await expect(button).toBeEnabled();
  await button.click();

  const result = page.locator(`${PANEL} .nbo-export-result`);
  await expect(result).toContainText('churn v1', { timeout: 120000 });
  await expect(result.locator('.nbo-export-folder')).toHaveText(`${tmpPath}/dist/churn-v1/`);

  const bundle = path.join(SERVER_ROOT, tmpPath, 'dist', 'churn-v1');
  for (const file of ['pipeline.yaml', 'README.md', 'Dockerfile', 'SHA256SUMS', 'steps/evaluate.ipynb']) {
    expect(fs.existsSync(path.join(bundle, file)), file).toBe(true);
  }
  expect(fs.existsSync(`${bundle}.tar.gz`)).toBe(true);
  await shot(page, 'export-done');

  await result.locator('.nbo-open-readme').click();
  const preview = page.locator('.jp-MarkdownViewer');
  await expect(preview).toBeVisible();
  await expect(preview).toContainText('churn');
  await expect(preview).toContainText('evaluate');
  await shot(page, 'export-readme');

  // Opening and saving a file of the bundle in JupyterLab leaves editor droppings beside it
  // (.ipynb_checkpoints/); the bundle still verifies, and so still runs (issue 19 item 2).
  await page.evaluate(async (file: string) => {
    const app = (
      window as unknown as {
        jupyterapp: { serviceManager: { contents: { createCheckpoint: (p: string) => Promise<unknown> } } };
      }
    ).jupyterapp;
    await app.serviceManager.contents.createCheckpoint(file);
  }, `${tmpPath}/dist/churn-v1/README.md`);
  expect(fs.existsSync(path.join(bundle, '.ipynb_checkpoints', 'README-checkpoint.md'))).toBe(true);
  const python = process.env.NBO_VENV_BIN || path.join(__dirname, '..', '..', '.venv', 'bin');
  const out = execFileSync(path.join(python, 'notebook-ops'), ['verify', bundle]).toString();
  expect(out).toContain('ok');
});
