/**
 * The panel on the example notebook after a run, in the light and the dark theme, at the default
 * sidebar width. Colours come only from JupyterLab's CSS variables. (The README's screenshot is
 * taken on the 13-step notebook in runwide.spec.ts.)
 */
import { expect, test } from '@jupyterlab/galata';

import { openNotebook, PANEL, shot } from './helpers';

test.use({ viewport: { width: 1500, height: 950 } });

test('the panel after a run, light and dark', async ({ page, tmpPath }) => {
  await openNotebook(page, tmpPath);
  await page.sidebar.close('left');
  const panel = page.locator(PANEL);

  await page.locator(`${PANEL} .nbo-run-button`).click();
  await page.locator('.jp-Dialog .jp-mod-accept').click();
  await expect(page.locator(`${PANEL} .nbo-run-head .nbo-status`)).toHaveText(/succeeded|below target/, {
    timeout: 150000
  });
  await page.notebook.selectCells(7);
  await shot(page, 'readme-panel');

  const background = () => panel.evaluate(n => getComputedStyle(n).backgroundColor);
  const light = await background();
  await page.theme.setDarkTheme();
  await expect.poll(background).not.toBe(light);
  await expect(page.locator(`${PANEL} .nbo-graph-node[data-step="evaluate"]`)).toHaveClass(/nbo-status-succeeded/);
  await shot(page, 'readme-panel-dark');
});
