/**
 * Alerts from the panel: an alert typed in the Schedule form (a webhook with its credential in
 * its URL) takes a test message, is shown masked in the schedule's view and tells a real local
 * webhook receiver when a firing fails; a pipeline alert added in Settings is written to the notebook's metadata, a
 * destination with its credential in clear is refused there, and bad input is one line with
 * nothing saved.
 */
import { expect, test } from '@jupyterlab/galata';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { notebookMetadata, openNotebook, PANEL, ROOT, SERVER_ROOT, shot, writeWideNotebook } from './helpers';

const PYTHON = path.join(process.env.NBO_VENV_BIN || path.join(ROOT, '.venv', 'bin'), 'python');
const RECEIVER = path.join(__dirname, 'webhook_receiver.py');

// leave the shared server as the other specs expect it: no scheduler hosted, the setting off
test.afterEach(async ({ page }) => {
  expect((await page.request.put('/lab/api/settings/notebook-ops:plugin', { data: { raw: '{}' } })).ok()).toBe(true);
  expect((await page.request.put('/notebook-ops/api/scheduler', { data: { hosted: false } })).ok()).toBe(true);
});

/** What the receiver was sent so far: one {path, headers, body} per POST. */
function received(folder: string): { path: string; headers: Record<string, string>; body: Record<string, unknown> }[] {
  const file = path.join(folder, 'received.jsonl');
  return fs.existsSync(file)
    ? fs
        .readFileSync(file, 'utf-8')
        .split('\n')
        .filter(line => line.trim())
        .map(line => JSON.parse(line))
    : [];
}

test('an alert added to a schedule is shown masked and tells the webhook of a failed run', async ({
  page,
  tmpPath
}) => {
  test.setTimeout(360000);
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'nbo-webhook-'));
  const [port, pid] = execFileSync(PYTHON, [RECEIVER, 'start', folder]).toString().trim().split(' ');
  const hook = `http://alerts-bot:s3cret-PASS@127.0.0.1:${port}/hook?token=tok-SECRET`;
  try {
    await openNotebook(page, tmpPath, writeWideNotebook('alerted.ipynb'), 'alerted.ipynb');
    const section = page.locator(`${PANEL} .nbo-schedule`);
    await section.scrollIntoViewIfNeeded();
    await expect(section.locator('.nbo-scheduler-on, .nbo-scheduler-off')).toBeVisible();
    if (await section.locator('.nbo-host-scheduler').isVisible()) {
      await section.locator('.nbo-host-scheduler').click();
    }
    await expect(section.locator('.nbo-scheduler-on')).toBeVisible({ timeout: 30000 });

    await section.locator('input.nbo-cron').fill('0 6 * * 1');
    await section.locator('input.nbo-schedule-name').fill('alerted');
    await section.locator('.nbo-schedule-params summary').click();
    await section.locator('input[name="fail_step"]').fill('train_tree');

    // an alert row: its destination and the conditions, every one ticked to begin with
    await section.locator('.nbo-add-alert').click();
    const row = section.locator('.nbo-alert-draft').first();
    await expect(row.locator('input[type="checkbox"]:checked')).toHaveCount(4);
    // no condition ticked: one line under the form, Add schedule waits
    for (const box of await row.locator('input[type="checkbox"]').all()) {
      await box.uncheck();
    }
    await row.locator('input.nbo-alert-destination').fill(hook);
    await expect(section.locator('.nbo-alert-error')).toHaveText('Tick at least one condition the alert is sent on.');
    await expect(section.locator('.nbo-add-schedule')).toBeDisabled();
    await row.locator('input[value="run.failed"]').check();
    await expect(section.locator('.nbo-alert-error')).toHaveCount(0);

    // a destination the CLI's --alert refuses: the server's one line, nothing saved
    await row.locator('input.nbo-alert-destination').fill('hooks.example.com/no-scheme');
    await section.locator('.nbo-add-schedule').click();
    const error = section.locator('.nbo-error[role="alert"]');
    await expect(error).toContainText(
      "alerts[0]: alert destination 'hooks.example.com/no-scheme' is not a webhook URL"
    );
    await expect(section.locator('.nbo-schedule-item')).toHaveCount(0);
    await shot(page, 'alerts-schedule-refused');

    await row.locator('input.nbo-alert-destination').fill(hook);
    // a test message first: sent now by the server, the outcome in one line, the URL masked
    await row.locator('.nbo-test-alert').click();
    const masked = `http://alerts-bot:***@127.0.0.1:${port}/hook?token=***`;
    await expect(row.locator('.nbo-alert-test-result')).toHaveText(`Test alert sent to ${masked}.`);
    await expect.poll(() => received(folder).length).toBe(1);
    const test = received(folder)[0];
    expect(test.headers['X-Notebook-Ops-Alert-Id']).toMatch(/^test:/);
    expect(test.headers['X-Notebook-Ops-Alert']).toBe('run.failed');
    expect(test.headers['Authorization']).toBe('Basic ' + Buffer.from('alerts-bot:s3cret-PASS').toString('base64'));
    expect(JSON.stringify(test.body)).toContain('test alert for alerted');

    await section.locator('.nbo-add-schedule').click();
    const item = section.locator('.nbo-schedule-item[data-schedule="alerted"]');
    await expect(item).toBeVisible();
    await expect(error).toHaveCount(0);
    // the form starts over: the typed secret is gone from it
    await expect(section.locator('.nbo-alert-draft')).toHaveCount(0);
    // the schedule's view shows the alert as the CLI does: userinfo and token masked
    await expect(item.locator('.nbo-alert-shown')).toHaveText(masked);
    await expect(item.locator('.nbo-alert')).toContainText('on run failed');
    const panelText = (await page.locator(PANEL).innerText()) + (await page.locator(PANEL).innerHTML());
    expect(panelText).not.toContain('s3cret-PASS');
    expect(panelText).not.toContain('tok-SECRET');
    await item.scrollIntoViewIfNeeded();
    await shot(page, 'alerts-schedule-masked');

    // fired now, the run fails (train_tree raises): the receiver is told, once, with the full URL
    await item.locator('.nbo-run-now').click();
    await item.locator('.nbo-history').click();
    await expect(item.locator('.nbo-schedule-runs li[data-state="failed"]')).toBeVisible({ timeout: 240000 });
    const alerts = () => received(folder).filter(r => !r.headers['X-Notebook-Ops-Alert-Id'].startsWith('test:'));
    await expect.poll(() => alerts().length, { timeout: 60000 }).toBeGreaterThan(0);
    const got = alerts();
    expect(got).toHaveLength(1);
    expect(got[0].path).toBe('/hook?token=tok-SECRET');
    expect(got[0].headers['X-Notebook-Ops-Alert']).toBe('run.failed');
    expect(JSON.stringify(got[0].body)).toContain('alerted');

    await item.locator('.nbo-remove').click();
    await page.locator('.jp-Dialog').getByRole('button', { name: 'Remove' }).click();
    await expect(item).toHaveCount(0);
  } finally {
    execFileSync(PYTHON, [RECEIVER, 'stop', pid]);
  }
});

test('a pipeline alert added in Settings is saved in the notebook metadata, shown masked', async ({
  page,
  tmpPath
}) => {
  // a destination written by hand with its Slack token in clear: the panel shows it masked
  const slack = 'https://hooks.slack.com/services/T000/B000/xoxb-HAND-WRITTEN';
  const local = writeWideNotebook('settings-alerts.ipynb', nb => {
    (nb.metadata.notebook_ops as Record<string, unknown>).alerts = [slack];
  });
  const remote = await openNotebook(page, tmpPath, local, 'settings-alerts.ipynb');
  const settings = page.locator(`${PANEL} .nbo-settings-alerts`);
  await settings.scrollIntoViewIfNeeded();
  await expect(settings.locator('.nbo-alert-shown')).toHaveText(['https://hooks.slack.com/services/***']);
  await expect(settings.locator('.nbo-alert').first()).toContainText('on every condition');
  expect(await page.locator(PANEL).innerHTML()).not.toContain('xoxb-HAND-WRITTEN');

  const destination = settings.locator('input.nbo-alert-destination');
  const message = settings.locator('.nbo-alert-error');
  // bad input: one line, nothing written
  await destination.fill('not a url');
  await settings.locator('.nbo-save-alert').click();
  await expect(message).toHaveText(
    "alert destination 'not a url' is not a webhook URL, a mailto: address or env:NAME (https://hooks.slack.com/services/..., mailto:ops@example.com or env:SLACK_ALERTS_URL)"
  );
  await destination.fill('mailto:nobody');
  await settings.locator('.nbo-save-alert').click();
  await expect(message).toContainText('not an e-mail address (nobody)');
  // a credential typed in clear would be committed with the notebook: refused, env:NAME named
  await destination.fill('https://hooks.slack.com/services/T111/B111/typed-SECRET');
  await settings.locator('.nbo-save-alert').click();
  await expect(message).toHaveText(
    'https://hooks.slack.com/services/*** carries a credential: the notebook is shared and committed. ' +
      'Write env:NAME here and set NAME where the alerts are sent.'
  );
  await shot(page, 'alerts-settings-refused');

  // a test to env:NAME reads NAME where the server runs: unset there, it says so, nothing saved
  await destination.fill('env:TEAM_ALERTS_URL');
  await settings.locator('.nbo-test-alert').click();
  await expect(settings.locator('.nbo-alert-test-result')).toContainText(
    'the test alert to env:TEAM_ALERTS_URL was not delivered: TEAM_ALERTS_URL is not set where the alert is sent'
  );
  expect(await notebookMetadata(page, 'notebook_ops')).toMatchObject({ alerts: [slack] });

  // env:NAME on two conditions: written to the metadata as typed, listed after the first
  await destination.fill('env:TEAM_ALERTS_URL');
  await settings.locator('input[value="target.missed"]').uncheck();
  await settings.locator('input[value="model.promoted"]').uncheck();
  await settings.locator('.nbo-save-alert').click();
  await expect(settings.locator('.nbo-alert-shown')).toHaveText([
    'https://hooks.slack.com/services/***',
    'env:TEAM_ALERTS_URL'
  ]);
  await expect(settings.locator('.nbo-alert').nth(1)).toContainText('on run failed, schedule missed');
  await expect(message).toHaveCount(0);
  await expect(destination).toHaveValue('');
  const added = { to: 'env:TEAM_ALERTS_URL', on: ['run.failed', 'schedule.missed'] };
  expect(await notebookMetadata(page, 'notebook_ops')).toMatchObject({ alerts: [slack, added] });
  await shot(page, 'alerts-settings-added');

  // saved, the notebook file carries it
  await page.notebook.save();
  const onDisk = () => JSON.parse(fs.readFileSync(path.join(SERVER_ROOT, remote), 'utf-8')).metadata.notebook_ops;
  expect(onDisk().alerts).toEqual([slack, added]);
  expect(onDisk().metric_targets).toEqual({ best_score: '>= 0.99', latency_ms: '<= 50' }); // the rest kept

  // the hand-written one removed: the one added stays
  await settings.locator('.nbo-alert').first().locator('.nbo-alert-remove').click();
  await expect(settings.locator('.nbo-alert-shown')).toHaveText(['env:TEAM_ALERTS_URL']);
  expect(await notebookMetadata(page, 'notebook_ops')).toMatchObject({ alerts: [added] });
  await settings.locator('.nbo-alert-remove').click();
  await expect(settings).toContainText('No alerts: nobody is told.');
  expect(await notebookMetadata(page, 'notebook_ops')).not.toHaveProperty('alerts');
});
