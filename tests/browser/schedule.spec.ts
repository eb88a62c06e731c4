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
  await section.locator('input.nbo-schedule-tz').fill('Europe/Paris');
  await section.locator('input.nbo-schedule-name').fill('weekly');
  await section.locator('.nbo-add-schedule').click();

  const item = section.locator('.nbo-schedule-item[data-schedule="weekly"]');
  await expect(item).toBeVisible();
  await expect(item).toContainText('0 6 * * 1');
  await expect(item).toContainText('Europe/Paris');
  // the next firing in the schedule's own zone, labelled with it
  await expect(item.locator('.nbo-schedule-next')).toContainText(/next: .* 06:00 Europe\/Paris/);
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

  page.once('dialog', dialog => dialog.accept());
  await item.locator('.nbo-remove').click();
  await expect(item).toHaveCount(0);
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

    page.once('dialog', dialog => dialog.accept());
    await item.locator('.nbo-remove').click();
    await expect(item).toHaveCount(0);
  } finally {
    execFileSync(PYTHON, [BROKER, 'stop', pid]);
  }
});
