/** Export from the panel: one click writes the versioned bundle on disk and offers its README. */
import { expect, test } from '@jupyterlab/galata';
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
});
