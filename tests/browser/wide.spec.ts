/**
 * Issue 19 on a generated 13-step notebook with a 5-way fan-out, at the default sidebar width:
 * the graph fits and reads, opens as a zoomable tab; problems name cells as JupyterLab numbers
 * them and point at code, the graph marks the step; the keyboard stays in the notebook after
 * the dialogs; P P asks before replacing a step; Make step warns about loops; Kale notices fold
 * into one line with "retag all"; a schedule error and an open form section survive the refresh.
 */
import { expect, test } from '@jupyterlab/galata';

import {
  activeCellIndex,
  cellTags,
  graphNode,
  openNotebook,
  PANEL,
  runCommand,
  shot,
  writeWideNotebook
} from './helpers';

const STEPS = [
  'load',
  'clean',
  'featurize',
  'train_linear',
  'train_tree',
  'train_forest',
  'train_boosting',
  'train_knn',
  'compare',
  'select',
  'report',
  'publish',
  'validate'
];

test('the 13-step graph fits the default sidebar and opens as a zoomable tab', async ({ page, tmpPath }) => {
  await openNotebook(page, tmpPath, writeWideNotebook(), 'wide.ipynb');
  const panel = page.locator(PANEL);
  const width = (await panel.boundingBox())!.width;
  expect(width).toBeLessThan(400); // JupyterLab's default sidebar, not widened by the test
  for (const step of STEPS) {
    await expect(graphNode(page, step)).toBeVisible();
  }
  await expect(panel.locator('.nbo-summary')).toHaveText('13 steps · 3 parameters · ready');
  // nothing scrolls sideways; names are full-size text inside the panel
  const lanes = panel.locator('.nbo-lanes');
  expect(await lanes.evaluate(el => el.scrollWidth <= el.clientWidth + 1)).toBe(true);
  for (const step of ['train_boosting', 'validate']) {
    const box = (await graphNode(page, step).locator('.nbo-lane-name').boundingBox())!;
    const panelBox = (await panel.boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(panelBox.x + panelBox.width);
  }
  const fontPx = await graphNode(page, 'train_knn')
    .locator('.nbo-lane-name')
    .evaluate(el => parseFloat(getComputedStyle(el).fontSize));
  expect(fontPx).toBeGreaterThanOrEqual(11);
  // five lanes side by side for the fan-out, rows in run order
  expect(await panel.locator('.nbo-lane-edge').count()).toBe(2 + 5 + 5 + 4);
  await shot(page, 'wide-graph-sidebar');

  // clicking a step selects its first code cell (load's title is markdown: its code is cell 5)
  await graphNode(page, 'load').click();
  await expect.poll(() => activeCellIndex(page)).toBe(4);

  // the wide drawing opens as a main-area tab: fit, zoom, pan
  await panel.locator('.nbo-open-graph').click();
  const tab = page.locator('.nbo-graph-tab');
  await expect(tab).toBeVisible();
  await expect(tab.locator('.nbo-graph-node')).toHaveCount(13);
  const svg = tab.locator('svg.nbo-graph');
  const fitted = await svg.getAttribute('viewBox');
  await tab.locator('.nbo-zoom-in').click();
  await tab.locator('.nbo-zoom-in').click();
  const zoomed = await svg.getAttribute('viewBox');
  expect(zoomed).not.toEqual(fitted);
  const host = (await tab.locator('.nbo-graph-host').boundingBox())!;
  await page.mouse.move(host.x + 40, host.y + 40);
  await page.mouse.down();
  await page.mouse.move(host.x + 140, host.y + 90, { steps: 4 });
  await page.mouse.up();
  expect(await svg.getAttribute('viewBox')).not.toEqual(zoomed);
  await tab.locator('.nbo-zoom-fit').click();
  expect(await svg.getAttribute('viewBox')).toEqual(fitted);
  await shot(page, 'wide-graph-tab');
});

test('in a small tab, Fit keeps the graph readable (pan and scroll for the rest); edges run beneath opaque nodes', async ({
  page,
  tmpPath
}) => {
  await page.setViewportSize({ width: 1000, height: 560 });
  await openNotebook(page, tmpPath, writeWideNotebook(), 'wide.ipynb');
  await page.locator(`${PANEL} .nbo-open-graph`).click();
  const tab = page.locator('.nbo-graph-tab');
  await expect(tab.locator('.nbo-graph-node')).toHaveCount(13);
  const svg = tab.locator('svg.nbo-graph');
  // the drawing's scale on screen, and the size its smallest text (the 10 px in/out lines) has there
  const scale = () => svg.evaluate(el => (el as SVGSVGElement).getScreenCTM()!.a);
  await tab.locator('.nbo-zoom-out').click();
  await tab.locator('.nbo-zoom-fit').click();
  expect(await scale()).toBeGreaterThanOrEqual(0.84);
  const ioPx = await tab
    .locator('.nbo-graph-node[data-step="train_knn"] .nbo-graph-io')
    .first()
    .evaluate(el => parseFloat(getComputedStyle(el).fontSize) * (el as SVGGraphicsElement).getScreenCTM()!.a);
  expect(ioPx).toBeGreaterThanOrEqual(8.4);
  // not all of it fits at that size: the wheel scrolls down to the last step
  const fitted = await svg.getAttribute('viewBox');
  const host = (await tab.locator('.nbo-graph-host').boundingBox())!;
  const validate = tab.locator('.nbo-graph-node[data-step="validate"]');
  const below = async () => (await validate.boundingBox())!.y > host.y + host.height;
  expect(await below()).toBe(true);
  await page.mouse.move(host.x + host.width / 2, host.y + host.height / 2);
  for (let i = 0; i < 10 && (await below()); i++) {
    await page.mouse.wheel(0, 200);
  }
  expect(await svg.getAttribute('viewBox')).not.toEqual(fitted);
  expect(await below()).toBe(false);
  // edges are drawn first (beneath), and each node's box is opaque: no edge shows through a node
  const order = await svg.evaluate(el =>
    Array.from(el.children).map(c =>
      c.classList.contains('nbo-graph-edge') ? 'e' : c.classList.contains('nbo-graph-node') ? 'n' : '-'
    )
  );
  expect(order.lastIndexOf('e')).toBeLessThan(order.indexOf('n'));
  const fill = await tab.locator('.nbo-graph-node[data-step="compare"] .nbo-graph-box').evaluate(el => {
    const style = getComputedStyle(el);
    return { fill: style.fill, opacity: style.fillOpacity };
  });
  expect(fill.fill).not.toBe('none');
  expect(fill.fill).not.toMatch(/rgba\(.*,\s*0\)$/);
  expect(fill.opacity).toBe('1');
  await shot(page, 'wide-graph-tab-small');
});

test('problems name cells as JupyterLab numbers them, point at code and mark the graph', async ({ page, tmpPath }) => {
  // step "load" starts on a markdown title (cell 4 as JupyterLab counts) and names a missing step
  const local = writeWideNotebook('wide-broken.ipynb', nb => nb.cells[3].metadata.tags.push('after:ghost'));
  await openNotebook(page, tmpPath, local, 'wide-broken.ipynb');
  const problem = page.locator(`${PANEL} .nbo-problem.nbo-severity-error`).first();
  await expect(problem).toContainText('ghost');
  await expect(problem.locator('.nbo-problem-where')).toContainText('cell 5 · step load');
  await expect(graphNode(page, 'load')).toHaveClass(/nbo-has-problem/);
  await expect(graphNode(page, 'load').locator('.nbo-lane-problem')).toBeVisible();
  await expect(page.locator(`${PANEL} .nbo-problems .nbo-section-title`)).toHaveText(/Problems: 1 error$/i);
  await problem.click();
  await expect.poll(() => activeCellIndex(page)).toBe(4);
  await shot(page, 'wide-problem-on-code-cell');
});

test('the keyboard stays in the notebook; P P asks before replacing a step; loops are refused', async ({
  page,
  tmpPath
}) => {
  await openNotebook(page, tmpPath, writeWideNotebook(), 'wide.ipynb');
  await expect(graphNode(page, 'train_knn')).toBeVisible();
  const dialog = page.locator('.jp-Dialog');

  // Make step on train_knn's cell (index 11), ticking "compare": a loop, said in the dialog
  await page.notebook.selectCells(11);
  await page.keyboard.press('Escape');
  await page.keyboard.press('p');
  await page.keyboard.press('s');
  await expect(dialog.locator('input.nbo-step-name')).toHaveValue('train_knn');
  await dialog.locator('.nbo-after-option', { hasText: 'compare' }).locator('input').check();
  await expect(dialog.locator('.nbo-cycle-warning')).toContainText('loop: train_knn → compare → train_knn');
  await shot(page, 'wide-make-step-loop');
  await dialog.locator('.jp-mod-accept').click();
  // refused: the dialog asks again, with the warning
  await expect(dialog.locator('.nbo-cycle-warning')).toBeVisible();
  await dialog.locator('.jp-mod-reject').click();
  await expect(dialog).toHaveCount(0);
  expect(await cellTags(page, 11)).toEqual(['step:train_knn', 'after:featurize']);

  // focus is back in the notebook: J moves down without a click
  expect(await page.evaluate(() => !!document.activeElement?.closest('.jp-Notebook'))).toBe(true);
  await page.keyboard.press('j');
  await expect.poll(() => activeCellIndex(page)).toBe(12);

  // P P on compare's step cell asks first; cancelling keeps the step
  await page.keyboard.press('p');
  await page.keyboard.press('p');
  await expect(dialog).toContainText('starts step "compare" (cell 13)');
  await shot(page, 'wide-pp-on-step');
  await dialog.locator('.jp-mod-reject').click();
  expect((await cellTags(page, 12))[0]).toBe('step:compare');
  expect(await page.evaluate(() => !!document.activeElement?.closest('.jp-Notebook'))).toBe(true);
  await page.keyboard.press('k');
  await expect.poll(() => activeCellIndex(page)).toBe(11);
});

test("Kale's legacy tags fold into one line, and retag all rewrites them", async ({ page, tmpPath }) => {
  // The wide notebook as a Kale user writes it: Kale reads code cells only, and a step runs
  // after exactly the steps its prev: tags name (no implicit order).
  const local = writeWideNotebook('wide-kale.ipynb', nb => {
    let previous: string | undefined;
    let pending: string[] = [];
    for (const cell of nb.cells) {
      let tags: string[] = cell.metadata.tags ?? [];
      if (pending.length && cell.cell_type === 'code') {
        tags = [...pending, ...tags];
        pending = [];
      }
      const step = tags.find(t => t.startsWith('step:'))?.slice(5);
      if (step) {
        const kale = tags.map(t => t.replace(/^step:/, 'block:').replace(/^after:/, 'prev:'));
        if (previous && !tags.some(t => t.startsWith('after:'))) {
          kale.push(`prev:${previous}`);
        }
        previous = step;
        if (cell.cell_type === 'code') {
          tags = kale;
        } else {
          pending = kale;
          tags = [];
        }
      }
      cell.metadata.tags = tags;
    }
  });
  await openNotebook(page, tmpPath, local, 'wide-kale.ipynb');
  const legacy = page.locator(`${PANEL} .nbo-legacy-tags`);
  await expect(legacy).toContainText("13 cells use Kale's legacy tags");
  await expect(page.locator(`${PANEL} .nbo-problem`)).toHaveCount(1);
  await expect(page.locator(`${PANEL} .nbo-run-button`)).toBeInViewport();
  await shot(page, 'wide-kale-folded');
  await legacy.locator('.nbo-retag-kale').click();
  await expect(page.locator(`${PANEL} .nbo-problems .nbo-ok`)).toBeVisible();
  expect(await cellTags(page, 11)).toEqual(['step:train_knn', 'after:featurize']);
  await expect(graphNode(page, 'train_knn')).toBeVisible();
});

test('a schedule error and an open form section survive the periodic refresh', async ({ page, tmpPath }) => {
  await openNotebook(page, tmpPath, writeWideNotebook(), 'wide.ipynb');
  const section = page.locator(`${PANEL} .nbo-schedule`);
  // the panel is still filling in (pipeline, features, the first schedules poll) right after the
  // notebook opens: retry until the section holds still and keeps what is typed
  await expect(async () => {
    await section.scrollIntoViewIfNeeded({ timeout: 2000 });
    await section.locator('input.nbo-cron').fill('0 6 * * 1', { timeout: 2000 });
    await expect(section.locator('input.nbo-cron')).toHaveValue('0 6 * * 1', { timeout: 1000 });
  }).toPass({ timeout: 30000 });
  // typing goes on across the 5 s refresh: the field keeps its focus, caret and text
  const cron = section.locator('input.nbo-cron');
  await cron.focus();
  await page.keyboard.press('End');
  await page.keyboard.type(',3');
  await page.waitForTimeout(6000);
  await expect(cron).toBeFocused();
  await page.keyboard.type(',5');
  await expect(cron).toHaveValue('0 6 * * 1,3,5');
  await expect(section.locator('.nbo-cron-text')).toContainText('Monday, Wednesday, and Friday');
  await section.locator('.nbo-schedule-params summary').click();
  await section.locator('.nbo-schedule-params input[name="n_rows"]').fill('lots');
  await section.locator('.nbo-add-schedule').click();
  const error = section.locator('.nbo-error');
  await expect(error).toContainText('lots');
  // the list refreshes every 5 s: after two refreshes the error and the open section stay
  await page.waitForTimeout(11000);
  await expect(error).toContainText('lots');
  await expect(section.locator('.nbo-schedule-params')).toHaveAttribute('open', '');
  await shot(page, 'wide-schedule-error-stays');
  await error.locator('.nbo-dismiss').click();
  await expect(error).toHaveCount(0);

  // a valid schedule, fired now with no scheduler service running: the panel says it waits
  await section.locator('.nbo-schedule-params input[name="n_rows"]').fill('200');
  await section.locator('input.nbo-schedule-name').fill('weekly-wide');
  await section.locator('.nbo-add-schedule').click();
  const item = section.locator('.nbo-schedule-item[data-schedule="weekly-wide"]');
  await expect(item).toBeVisible();
  await item.locator('.nbo-run-now').click();
  const notice = section.locator('.nbo-schedule-notice');
  await expect(notice).toContainText('"weekly-wide" is queued: it starts once a scheduler service runs');
  await item.locator('.nbo-history').click();
  await expect(item.locator('.nbo-schedule-runs li[data-state="pending"]')).toContainText(
    'Waiting for a scheduler service'
  );
  await shot(page, 'wide-run-now-no-service');
  // like an error, the notice outlives the 5 s refresh until it is dismissed
  await page.waitForTimeout(6000);
  await expect(notice).toContainText('is queued');
  await notice.locator('.nbo-dismiss').click();
  await expect(notice).toHaveCount(0);
  await item.locator('.nbo-remove').click();
  await page.locator('.jp-Dialog').getByRole('button', { name: 'Remove' }).click();
  await expect(item).toHaveCount(0);
});

test('the Run dialog: starting from a step needs the cache', async ({ page, tmpPath }) => {
  await openNotebook(page, tmpPath, writeWideNotebook(), 'wide.ipynb');
  await page.locator(`${PANEL} .nbo-run-button`).click();
  const dialog = page.locator('.jp-Dialog');
  await dialog.locator('select.nbo-run-from').selectOption('compare');
  await dialog.locator('input.nbo-run-cache').uncheck();
  await expect(dialog.locator('.nbo-run-from-hint')).toContainText('keep "reuse cached step results" ticked');
  await expect(dialog.locator('.jp-mod-accept')).toBeDisabled();
  await dialog.locator('input.nbo-run-cache').check();
  await expect(dialog.locator('.nbo-run-from-hint')).toBeEmpty();
  await expect(dialog.locator('.jp-mod-accept')).toBeEnabled();
  await shot(page, 'wide-run-dialog-from-step');

  // where to run: a Dask scheduler's address, checked as typed, reaches the server's run body
  // (which refuses it here: a cluster needs a data store its workers reach, and none is set)
  await dialog.locator('select.nbo-run-from').selectOption('');
  const cluster = dialog.locator('input.nbo-run-cluster');
  await cluster.fill('127.0.0.1:8786');
  await expect(dialog.locator('.nbo-run-cluster-error')).toContainText('not a Dask scheduler address');
  await expect(dialog.locator('.jp-mod-accept')).toBeDisabled();
  await cluster.fill('tcp://127.0.0.1:9');
  await expect(dialog.locator('.nbo-run-cluster-error')).toBeEmpty();
  const posted = page.waitForRequest(r => r.method() === 'POST' && r.url().includes('/notebook-ops/api/runs'));
  await dialog.locator('.jp-mod-accept').click();
  expect((await posted).postDataJSON()).toMatchObject({ cluster: 'tcp://127.0.0.1:9' });
  await expect(page.locator(`${PANEL} .nbo-run .nbo-error`)).toContainText('data store');
  await shot(page, 'wide-run-cluster-refused');
});

test("a notebook's polls stop when the panel shows another notebook, and everything goes when it closes", async ({
  page,
  tmpPath
}) => {
  await openNotebook(page, tmpPath, writeWideNotebook(), 'wide.ipynb');
  await expect(page.locator(`${PANEL} .nbo-schedule`)).toBeVisible();
  // keep a handle on the first notebook's model (through the panel that shows it)
  const state = () =>
    page.evaluate(() => {
      const w = window as unknown as { nboFirst?: { isDisposed: boolean; schedules: { watching: boolean } } };
      return { disposed: w.nboFirst!.isDisposed, watching: w.nboFirst!.schedules.watching };
    });
  await page.evaluate(() => {
    const app = (window as unknown as { jupyterapp: { shell: { widgets(area: string): Iterable<{ id: string }> } } })
      .jupyterapp;
    const panel = Array.from(app.shell.widgets('right')).find(w => w.id === 'notebook-ops-panel') as unknown as {
      model: unknown;
    };
    (window as unknown as { nboFirst: unknown }).nboFirst = panel.model;
  });
  expect(await state()).toEqual({ disposed: false, watching: true });

  // a second notebook in front: the first one's schedule poll stops
  await openNotebook(page, tmpPath, writeWideNotebook('other.ipynb'), 'other.ipynb');
  await expect(page.locator(`${PANEL} .nbo-title`)).toHaveText('other');
  expect(await state()).toEqual({ disposed: false, watching: false });

  // closing the first notebook disposes its model (polls, timers, drafts); saved first, as the
  // kernel's language_info made them dirty
  await runCommand(page, 'docmanager:save-all');
  await page.activity.closeAll();
  await expect.poll(async () => (await state()).disposed).toBe(true);
  expect((await state()).watching).toBe(false);
  await expect(page.locator(`${PANEL} .nbo-empty-panel`)).toBeVisible();
});
