/**
 * Schedule from the panel: host the scheduler in the server, create a cron schedule (described in
 * words as it is typed), see it listed, pause and resume it, fire it now and see the run, remove it.
 * Then a trigger schedule: a message on a real broker's topic (pulsar-lite) fires a run.
 */
import { expect, test } from '@jupyterlab/galata';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { openNotebook, PANEL, ROOT, shot } from './helpers';

const PYTHON = path.join(process.env.NBO_VENV_BIN || path.join(ROOT, '.venv', 'bin'), 'python');
const BROKER = path.join(__dirname, 'pulsar_broker.py');

// The specs share one server and one settings folder: leave them as the others expect them, with
// no scheduler hosted and the user's "host the scheduler" off (wide.spec fires a run with none).
test.afterEach(async ({ page }) => {
  expect((await page.request.put('/lab/api/settings/notebook-ops:plugin', { data: { raw: '{}' } })).ok()).toBe(true);
  expect((await page.request.put('/notebook-ops/api/scheduler', { data: { hosted: false } })).ok()).toBe(true);
});

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
  // the time zone is a pick from the browser's zones, the browser's own first
  const zones = section.locator('select.nbo-schedule-tz option');
  expect(await zones.count()).toBeGreaterThan(300);
  const own = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
  await expect(zones.first()).toHaveText(own);
  await expect(section.locator('select.nbo-schedule-tz')).toHaveValue(own);
  await section.locator('select.nbo-schedule-tz').selectOption('Europe/Paris');
  await section.locator('input.nbo-schedule-name').fill('weekly');
  await section.locator('.nbo-add-schedule').click();

  const item = section.locator('.nbo-schedule-item[data-schedule="weekly"]');
  await expect(item).toBeVisible();
  await expect(item).toContainText('0 6 * * 1');
  await expect(item).toContainText('Europe/Paris');
  // the next firing in the schedule's own zone, labelled with it
  await expect(item.locator('.nbo-schedule-next')).toContainText(/next: .* 06:00 Europe\/Paris/);
  // and the four after it, a week apart
  const then = item.locator('.nbo-upcoming-list li');
  await expect(then).toHaveCount(4);
  for (const text of await then.allTextContents()) {
    expect(text).toMatch(/^then .* 06:00 Europe\/Paris$/);
  }
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
  // the scheduled run opens in the Run section: its steps and executed notebooks
  await item.locator('.nbo-schedule-runs li[data-state="succeeded"] .nbo-open-scheduled-run').click();
  await expect(page.locator(`${PANEL} .nbo-run-details .nbo-step-run[data-step="evaluate"]`)).toHaveClass(
    /nbo-status-succeeded/
  );
  // the firing reads as words, its link apart from them
  await expect(item.locator('.nbo-schedule-runs li[data-state="succeeded"]')).toContainText(/· run now · open the run/);

  // Remove asks in JupyterLab's own dialog (no browser confirm); Cancel keeps the schedule
  let browserDialog = false;
  page.on('dialog', dialog => {
    browserDialog = true;
    void dialog.dismiss();
  });
  await item.locator('.nbo-remove').click();
  const ask = page.locator('.jp-Dialog');
  await expect(ask).toContainText('Remove the schedule "weekly"');
  await shot(page, 'schedule-remove-dialog');
  await ask.getByRole('button', { name: 'Cancel' }).click();
  await expect(item).toBeVisible();
  await item.locator('.nbo-remove').click();
  await page.locator('.jp-Dialog').getByRole('button', { name: 'Remove' }).click();
  await expect(item).toHaveCount(0);
  expect(browserDialog).toBe(false);
  await expect(section).toContainText('No schedules on this notebook.');
});

test('a trigger schedule made in the panel runs when a message arrives', async ({ page, tmpPath }) => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'nbo-broker-'));
  const [port, pid] = execFileSync(PYTHON, [BROKER, 'start', folder]).toString().trim().split(' ');
  const topicUrl = `pulsar://127.0.0.1:${port}/new-customers`;
  try {
    await openNotebook(page, tmpPath);
    const section = page.locator(`${PANEL} .nbo-schedule`);
    await section.scrollIntoViewIfNeeded();
    if (await section.locator('.nbo-host-scheduler').isVisible()) {
      await section.locator('.nbo-host-scheduler').click();
    }
    await expect(section.locator('.nbo-scheduler-on')).toBeVisible({ timeout: 30000 });

    await section.locator('select.nbo-schedule-kind').selectOption('trigger');
    await expect(section.locator('input.nbo-cron')).toHaveCount(0);
    await section.locator('input.nbo-topic').fill('kafka://nope');
    await expect(section.locator('.nbo-cron-text')).toHaveClass(/nbo-cron-invalid/);
    await expect(section.locator('.nbo-add-schedule')).toBeDisabled();
    await section.locator('input.nbo-topic').fill(topicUrl);
    await expect(section.locator('.nbo-add-schedule')).toBeEnabled();
    await section.locator('input.nbo-schedule-name').fill('on-new-customers');
    await section.locator('.nbo-add-schedule').click();

    const item = section.locator('.nbo-schedule-item[data-schedule="on-new-customers"]');
    await expect(item).toBeVisible();
    await expect(item.locator('.nbo-schedule-source')).toHaveText(topicUrl);
    await expect(item.locator('.nbo-schedule-next')).toContainText('listening');
    await expect(item.locator('.nbo-run-now')).toHaveCount(0);

    // the message's fields are the run's parameters
    execFileSync(PYTHON, [BROKER, 'publish', topicUrl, '{"n_customers": 600, "seed": 11}']);
    await item.locator('.nbo-history').click();
    const fired = item.locator('.nbo-schedule-runs li[data-state="succeeded"]');
    await expect(fired).toBeVisible({ timeout: 150000 });
    await expect(fired).toContainText('message');
    await item.scrollIntoViewIfNeeded();
    await shot(page, 'schedule-trigger-fired');

    await item.locator('.nbo-remove').click();
    await page.locator('.jp-Dialog').getByRole('button', { name: 'Remove' }).click();
    await expect(item).toHaveCount(0);
  } finally {
    execFileSync(PYTHON, [BROKER, 'stop', pid]);
  }
});

test('a run queued with no service stops saying so once a service runs', async ({ page, tmpPath }) => {
  await openNotebook(page, tmpPath);
  const section = page.locator(`${PANEL} .nbo-schedule`);
  await section.scrollIntoViewIfNeeded();
  await expect(section.locator('.nbo-scheduler-off')).toBeVisible();
  await section.locator('input.nbo-cron').fill('0 6 * * 1');
  await section.locator('input.nbo-schedule-name').fill('queued');
  await section.locator('.nbo-add-schedule').click();
  const item = section.locator('.nbo-schedule-item[data-schedule="queued"]');
  await item.locator('.nbo-run-now').click();
  await expect(section.locator('.nbo-schedule-notice')).toContainText('none is running now');

  await section.locator('.nbo-host-scheduler').click();
  await expect(section.locator('.nbo-scheduler-on')).toBeVisible({ timeout: 30000 });
  // the section never says both "a scheduler service is running" and "none is running now"
  await expect(section.locator('.nbo-schedule-notice')).toHaveCount(0);
  await expect(section).not.toContainText('none is running');
  await shot(page, 'schedule-queued-then-hosted');

  await item.locator('.nbo-remove').click();
  await page.locator('.jp-Dialog').getByRole('button', { name: 'Remove' }).click();
  await expect(item).toHaveCount(0);
});
