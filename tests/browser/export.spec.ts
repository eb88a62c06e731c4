/** Export from the panel: one click writes the versioned bundle on disk and offers its README. */
import { expect, test } from '@jupyterlab/galata';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

import { insideAcross, openNotebook, PANEL, ROOT, SERVER_ROOT, setRightSidebarWidth, shot } from './helpers';

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
  const preview = page.locator('.nbo-bundle-readme .jp-RenderedMarkdown');
  await expect(preview).toBeVisible();
  await expect(preview).toContainText('churn');
  await expect(preview).toContainText('evaluate');
  // the server root is no git repository: no tag is named, not even "none"
  await expect(preview).toContainText('v1');
  await expect(preview).not.toContainText('git tag');
  await shot(page, 'export-readme');
  // read, not opened as a document: nothing is written into the bundle folder (issue 25)
  await page.waitForTimeout(1500);
  expect(fs.existsSync(path.join(bundle, '.ipynb_checkpoints'))).toBe(false);

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

/** A two-step notebook written by the spec (stdlib only: its proof env is small and cached). */
function tinyNotebook(name: string, second: string, sleep = 4): string {
  let n = 0;
  const code = (source: string, tags: string[]) => ({
    cell_type: 'code',
    id: `c${n++}`,
    source,
    metadata: { tags },
    outputs: [],
    execution_count: null
  });
  const nb = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    // the first step takes a few seconds, so the panel shows it running
    cells: [code(`import time\n\ntime.sleep(${sleep})\nvalues = [1, 2, 3]`, ['step:make']), code(second, ['step:add'])]
  };
  const local = path.join(ROOT, 'build', 'browser-results', name);
  fs.mkdirSync(path.dirname(local), { recursive: true });
  fs.writeFileSync(local, JSON.stringify(nb, null, 1));
  return local;
}

test('Export and prove shows the proof running step by step, then proven', async ({ page, tmpPath }) => {
  test.setTimeout(600000); // the first proof on a machine builds its env (~45 s, more under load)
  await openNotebook(page, tmpPath, tinyNotebook('tiny.ipynb', 'total = sum(values)'), 'tiny.ipynb');
  const prove = page.getByRole('button', { name: 'Export and prove' });
  await expect(prove).toBeEnabled();
  await prove.click();

  const result = page.locator(`${PANEL} .nbo-export-result`);
  await expect(result).toContainText('tiny v1', { timeout: 120000 });
  const running = page.locator(`${PANEL} .nbo-proof-running[role="status"]`);
  await expect(running).toContainText('Proving:');
  await expect(page.locator(`${PANEL} .nbo-export-prove`)).toBeDisabled();
  await expect(running).toContainText('step 1 of 2, make', { timeout: 400000 });
  await shot(page, 'export-prove-running');

  const done = page.locator(`${PANEL} .nbo-proof-proven`);
  await expect(done).toContainText('proven to run', { timeout: 300000 });
  await expect(done).toContainText('2/2 steps ran');
  expect(fs.existsSync(path.join(SERVER_ROOT, tmpPath, 'dist', 'tiny-v1.proof.json'))).toBe(true);
  await shot(page, 'export-prove-done');

  // the outcome stays until dismissed; focus then returns to the button
  await done.getByRole('button', { name: 'Dismiss the proof result' }).click();
  await expect(done).toHaveCount(0);
  await expect(prove).toBeFocused();
});

test("a failed proof names the failing step's problem until dismissed", async ({ page, tmpPath }) => {
  test.setTimeout(600000);
  await openNotebook(page, tmpPath, tinyNotebook('broken.ipynb', "raise RuntimeError('boom')"), 'broken.ipynb');
  await page.getByRole('button', { name: 'Export and prove' }).click();

  const failed = page.locator(`${PANEL} .nbo-proof-failed[role="alert"]`);
  await expect(failed).toContainText('step add', { timeout: 400000 });
  await expect(failed).toContainText('boom');
  await shot(page, 'export-prove-failed');
  // the panel's 1 s poll has stopped; the problem is still there a while later
  await page.waitForTimeout(2500);
  await expect(failed).toContainText('step add');
  await failed.getByRole('button', { name: 'Dismiss the proof result' }).click();
  await expect(failed).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Export and prove' })).toBeFocused();
});

test('a reloaded page picks up the proof still running and sees it end', async ({ page, tmpPath }) => {
  test.setTimeout(600000);
  // the first step takes long enough for the page to reload while it runs
  const local = tinyNotebook('slow.ipynb', 'total = sum(values)', 40);
  await openNotebook(page, tmpPath, local, 'slow.ipynb');
  await page.getByRole('button', { name: 'Export and prove' }).click();
  const running = page.locator(`${PANEL} .nbo-proof-running`);
  await expect(running).toContainText('step 1 of 2, make', { timeout: 400000 });

  await page.reload({ waitForIsReady: false }); // the restored layout shows the notebook, not the Launcher
  await page.locator('#jupyterlab-splash').waitFor({ state: 'detached' });
  // the layout comes back as it was: the notebook in front, the pipeline panel open
  await expect(page.getByRole('tab', { name: 'slow.ipynb' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.locator(PANEL)).toBeVisible();
  await expect(running).toContainText('Proving:');
  await shot(page, 'export-prove-reloaded');
  await expect(page.locator(`${PANEL} .nbo-proof-proven`)).toContainText('2/2 steps ran', { timeout: 300000 });
});

/** A notebook for the outside-git project: `cells` as (source, tags). */
function writeProjectNotebook(file: string, cells: [string, string[]][]): void {
  const nb = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    cells: cells.map(([source, tags], i) => ({
      cell_type: 'code',
      id: `c${i}`,
      source,
      metadata: { tags },
      outputs: [],
      execution_count: null
    }))
  };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(nb, null, 1));
}

test('issue 25 item 4: a notebooks/ + datasets/ folder outside git exports with its data; a file no bundle can carry is flagged before the click', async ({
  page,
  tmpPath
}) => {
  test.setTimeout(300000);
  const proj = path.join(SERVER_ROOT, tmpPath, 'proj');
  fs.mkdirSync(path.join(proj, 'datasets'), { recursive: true });
  fs.writeFileSync(path.join(proj, 'datasets', 'x.csv'), 'a,b\n1,2\n3,4\n');
  writeProjectNotebook(path.join(proj, 'notebooks', 'a.ipynb'), [
    ["import csv\nrows = list(csv.reader(open('../datasets/x.csv')))", ['step:load']],
    ['total = sum(int(r[0]) for r in rows[1:])', ['step:report']]
  ]);
  // a file outside the server's root, by an absolute path with a long name (the message must wrap)
  const outsideDir = fs.mkdtempSync(
    path.join(path.dirname(SERVER_ROOT), 'nbo-elsewhere-with-a-rather-long-folder-name-')
  );
  const outside = path.join(outsideDir, 'measurements_exported_from_the_warehouse_last_quarter.csv');
  fs.writeFileSync(outside, 'a\n1\n');
  writeProjectNotebook(path.join(proj, 'notebooks', 'b.ipynb'), [
    [`import csv\nrows = list(csv.reader(open(${JSON.stringify(outside)})))`, ['step:load']]
  ]);
  const panel = page.locator(PANEL);

  // the panel says no problems, and the export carries datasets/x.csv
  await page.notebook.openByPath(`${tmpPath}/proj/notebooks/a.ipynb`);
  await page.notebook.activate('a.ipynb');
  await page.sidebar.openTab('notebook-ops-panel');
  await expect(panel.locator('.nbo-problems .nbo-ok')).toContainText('No problems');
  await panel.locator('.nbo-export-button').click();
  const result = panel.locator('.nbo-export-result');
  await expect(result).toContainText('a v1', { timeout: 120000 });
  await expect(panel.locator('.nbo-export .nbo-error')).toHaveCount(0);
  const bundle = path.join(proj, 'notebooks', 'dist', 'a-v1');
  expect(fs.readFileSync(path.join(bundle, 'assets', 'datasets', 'x.csv'), 'utf-8')).toBe('a,b\n1,2\n3,4\n');
  await shot(page, 'export-outside-git');

  // a file no bundle can carry: a problem on its cell before any click, the buttons say why
  await setRightSidebarWidth(page, 250);
  await page.notebook.openByPath(`${tmpPath}/proj/notebooks/b.ipynb`);
  await page.notebook.activate('b.ipynb');
  const problem = panel.locator('.nbo-problem[data-code="outside-project"]');
  await expect(problem).toContainText('export will be refused');
  await expect(problem.locator('.nbo-problem-where')).toContainText('cell 1');
  await expect(problem).toHaveAttribute('title', /copy the file into notebooks\//);
  await expect(panel.locator('.nbo-export-button')).toBeDisabled();
  await expect(panel.locator('.nbo-export-prove')).toBeDisabled();
  await expect(panel.locator('.nbo-export-blocked')).toHaveText(
    'Export would be refused: a file outside the project (cell 1). See Problems for the fix.'
  );
  // the long message wraps inside the panel
  for (const part of [problem.locator('.nbo-problem-message'), panel.locator('.nbo-export-blocked')]) {
    expect(await part.evaluate(el => el.scrollWidth <= el.clientWidth + 1)).toBe(true);
    expect(await insideAcross(part, panel)).toBe(true);
  }
  await problem.scrollIntoViewIfNeeded();
  await shot(page, 'export-outside-project-flagged');
  fs.rmSync(outsideDir, { recursive: true, force: true });
});
