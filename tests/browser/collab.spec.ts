/**
 * Issue 25 item 5, real-time collaboration (jupyter-collaboration in the `[lab]` extra): two users
 * with one notebook open, each in their own browser context. A step one makes shows in the
 * other's panel and graph, and a run one starts is followed live in the other's panel.
 */
import { expect, test } from '@jupyterlab/galata';
import type { Page } from '@playwright/test';

import { graphNode, openNotebook, PANEL, shot } from './helpers';

test('two users on one notebook see each other tag a step and follow the same run live', async ({
  page,
  browser,
  baseURL,
  tmpPath
}) => {
  const remote = await openNotebook(page, tmpPath);
  await expect(graphNode(page, 'evaluate')).toBeVisible();

  // the second user: a browser context of their own (another cookie, so another identity),
  // opening the notebook's URL; plain Playwright with long waits (galata's helpers wait 15 s)
  const context = await browser.newContext();
  const guest = await context.newPage();
  await guest.goto(`${baseURL}/lab/tree/${remote}?reset`);
  await expect(guest.locator('.jp-Notebook .jp-Cell').first()).toBeVisible({ timeout: 120000 });
  await guest.locator('.jp-SideBar li[data-id="notebook-ops-panel"]').click();
  await expect(guest.locator(PANEL)).toBeVisible({ timeout: 60000 });
  await expect(graphNode(guest, 'evaluate')).toBeVisible({ timeout: 60000 });
  await expect(graphNode(guest, 'explore')).toHaveCount(0);

  // the first user makes the exploration cell (cell 5, tagged skip) a step with P S
  await page.notebook.selectCells(4);
  await page.keyboard.press('Escape');
  await page.keyboard.press('p');
  await page.keyboard.press('s');
  const dialog = page.locator('.jp-Dialog');
  await expect(dialog).toBeVisible();
  await dialog.locator('input.nbo-step-name').fill('explore');
  await dialog.locator('.jp-mod-accept').click();
  await expect(dialog).toHaveCount(0);
  await expect(graphNode(page, 'explore')).toBeVisible();

  // ... and it is in the guest's graph without the guest saving, reloading or clicking anything
  await expect(graphNode(guest, 'explore')).toBeVisible({ timeout: 30000 });
  await expect(guest.locator(`${PANEL} .nbo-summary`)).toContainText('6 steps');
  await shot(guest, 'collab-guest-sees-step');

  // the first user runs the pipeline; the guest's panel follows that run as it goes
  await page.locator(`${PANEL} .nbo-run-button`).click();
  await page.locator('.jp-Dialog .jp-mod-accept').click();
  await expect(guest.locator(`${PANEL} .nbo-run-details`)).toBeVisible({ timeout: 30000 });
  await expect(guest.locator(`${PANEL} .nbo-summary`)).toContainText('running…');
  await shot(guest, 'collab-guest-follows-run');
  for (const step of ['load', 'explore', 'evaluate']) {
    await expect(guest.locator(`${PANEL} .nbo-step-run[data-step="${step}"]`)).toHaveClass(/nbo-status-succeeded/, {
      timeout: 150000
    });
    await expect(graphNode(guest, step)).toHaveClass(/nbo-status-(succeeded|cached)/);
  }
  // the same run on both sides
  const id = (p: Pick<Page, 'locator'>) => p.locator(`${PANEL} .nbo-run-details`).getAttribute('data-run');
  expect(await id(guest)).toBe(await id(page));
  await shot(guest, 'collab-guest-run-finished');
  await context.close();
});
