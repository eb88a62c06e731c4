/**
 * Schedule from the panel: host the scheduler in the server, create a cron schedule (described in
 * words as it is typed), see it listed, pause and resume it, fire it now and see the run, remove it.
 */
import { expect, test } from '@jupyterlab/galata';

import { openNotebook, PANEL, shot } from './helpers';

test('create a schedule, see it listed, fire it and remove it', async ({ page, tmpPath }) => {
  await openNotebook(page, tmpPath);
  const section = page.locator(`${PANEL} .nbo-schedule`);
  await expect(section).toBeVisible();
  await section.scrollIntoViewIfNeeded();

  // no service yet: the panel says so and offers to host one here
  await expect(section.locator('.nbo-scheduler-off')).toBeVisible();
  await section.locator('.nbo-host-scheduler').click();
  await expect(section.locator('.nbo-scheduler-on')).toBeVisible({ timeout: 30000 });

  await section.locator('input.nbo-cron').fill('0 6 * * 1');
  await expect(section.locator('.nbo-cron-text')).toContainText('Monday');
  await section.locator('input.nbo-schedule-tz').fill('Europe/Paris');
  await section.locator('input.nbo-schedule-name').fill('weekly');
  await section.locator('.nbo-add-schedule').click();

  const item = section.locator('.nbo-schedule-item[data-schedule="weekly"]');
  await expect(item).toBeVisible();
  await expect(item).toContainText('0 6 * * 1');
  await expect(item).toContainText('Europe/Paris');
  await expect(item.locator('.nbo-schedule-next')).toContainText('next:');
  await shot(page, 'schedule-listed');

  await item.locator('.nbo-pause').click();
  await expect(item.locator('.nbo-schedule-next')).toContainText('paused');
  await item.locator('.nbo-pause').click();
  await expect(item.locator('.nbo-schedule-next')).toContainText('next:');

  // fire it now: the hosted service runs the pipeline and records the run
  await item.locator('.nbo-run-now').click();
  await item.locator('.nbo-history').click();
  await expect(item.locator('.nbo-schedule-runs li[data-state="succeeded"]')).toBeVisible({ timeout: 150000 });
  await expect(item.locator('.nbo-schedule-next .nbo-status')).toContainText('last: succeeded');
  await shot(page, 'schedule-fired');

  page.once('dialog', dialog => dialog.accept());
  await item.locator('.nbo-remove').click();
  await expect(item).toHaveCount(0);
  await expect(section).toContainText('No schedules on this notebook.');
});
