/**
 * Issue 24 item 3 in the lab: a right-click on a folder of three numbered, untagged notebooks
 * chained through CSV files ("Run Folder as a Pipeline") opens a tab with the order inferred from
 * the files they hand each other; Run runs it and the tab follows each step to the end, as the
 * panel follows a notebook's run; "Write pipeline file" writes the order out and opens it, and
 * never replaces an existing file without asking.
 */
import { expect, test } from '@jupyterlab/galata';

import { INotebookFile, shot } from './helpers';

const VIEW = '.nbo-folder-view';

function notebook(sources: string[]): string {
  const nb: INotebookFile = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    cells: sources.map((source, i) => ({
      cell_type: 'code',
      id: `c${i}`,
      source,
      metadata: {},
      outputs: [],
      execution_count: null
    }))
  };
  return JSON.stringify(nb, null, 1);
}

// the same chain as tests/folderkit.py's CSV_CHAIN: 1-make -> numbers.csv -> 2-double -> doubled.csv -> 3-report
const CHAIN: Record<string, string[]> = {
  '1-make.ipynb': [
    "import csv\nwith open('numbers.csv', 'w', newline='') as f:\n    w = csv.writer(f)\n    w.writerow(['n'])\n    w.writerows([[i] for i in range(1, 6)])"
  ],
  '2-double.ipynb': [
    "import csv\nwith open('numbers.csv') as f:\n    doubled = [2 * int(r['n']) for r in csv.DictReader(f)]",
    "with open('doubled.csv', 'w', newline='') as f:\n    w = csv.writer(f)\n    w.writerow(['n'])\n    w.writerows([[d] for d in doubled])"
  ],
  '3-report.ipynb': [
    "import csv\nwith open('doubled.csv') as f:\n    total = sum(int(r['n']) for r in csv.DictReader(f))",
    "with open('report.txt', 'w') as f:\n    f.write(f'total {total}')\nprint('total', total)"
  ]
};

test('a folder of numbered notebooks runs as a pipeline from the file browser', async ({ page, tmpPath }) => {
  // written in reverse so the listing order is not what decides
  for (const name of Object.keys(CHAIN).reverse()) {
    await page.contents.uploadContent(notebook(CHAIN[name]), 'text', `${tmpPath}/chain/${name}`);
  }
  await page.filebrowser.openDirectory(tmpPath);
  const item = page.locator('.jp-DirListing-item[data-isdir="true"]', { hasText: 'chain' });
  await item.click({ button: 'right' });
  const entry = page.locator('.lm-Menu-item', { hasText: 'Run Folder as a Pipeline' });
  await expect(entry).toBeVisible();
  await entry.click();

  // the inferred order, and what links each notebook to the one before
  const view = page.locator(VIEW);
  await expect(view).toBeVisible();
  const rows = view.locator('.nbo-folder-notebook');
  await expect(rows).toHaveCount(3);
  expect(await rows.evaluateAll(els => els.map(e => e.getAttribute('data-notebook')))).toEqual([
    '1-make.ipynb',
    '2-double.ipynb',
    '3-report.ipynb'
  ]);
  await expect(rows.nth(0).locator('.nbo-folder-link')).toHaveText(['placed by its number, 1']);
  await expect(rows.nth(1).locator('.nbo-folder-link')).toHaveText(['file numbers.csv from 1-make.ipynb']);
  await expect(rows.nth(2).locator('.nbo-folder-link')).toHaveText(['file doubled.csv from 2-double.ipynb']);
  await expect(view.locator('.nbo-summary')).toHaveText('3 notebooks · 3 steps · ready');
  await expect(view.locator('.nbo-problem')).toHaveCount(0);
  await expect(view.locator('.nbo-ok')).toHaveText('✓ No problems: this folder runs as a pipeline.');

  // Run: the parameters dialog (none here), then every step followed to the end
  await view.locator('.nbo-run-button').click();
  await page.locator('.jp-Dialog .jp-mod-accept').click();
  await expect(view.locator('.nbo-run-details')).toBeVisible();
  for (const step of ['make', 'double', 'report']) {
    await expect(view.locator(`.nbo-step-run[data-step="${step}"]`)).toHaveClass(/nbo-status-succeeded/, {
      timeout: 150000
    });
  }
  await expect(view.locator('.nbo-run-head .nbo-status')).toHaveText('succeeded');
  await expect(view.locator('.nbo-cancel-button')).toHaveCount(0); // the run's thread is done too
  await expect(view.locator('.nbo-recent-run')).toHaveCount(1); // listed from the folder's runs
  const file = await shot(page, 'folder-run');
  test.info().attachments.push({ name: 'folder-run', path: file, contentType: 'image/png' });

  // the last step's executed notebook, with what it printed
  await view.locator('.nbo-step-run[data-step="report"] .nbo-open-step').click();
  const frame = page.frameLocator('.nbo-step-notebook iframe');
  await expect(frame.locator('body')).toContainText('total 30', { timeout: 30000 });

  // write the order out as a pipeline file: written, then opened in the editor
  await page.locator('.lm-TabBar-tab', { hasText: 'Pipeline · chain/' }).click();
  await view.locator('.nbo-write-pipeline').click();
  await expect(view.locator('.nbo-written')).toHaveText(`wrote ${tmpPath}/chain/pipeline.yaml`);
  await expect(page.locator('.lm-TabBar-tab', { hasText: 'pipeline.yaml' })).toBeVisible();
  await expect(page.locator('.jp-FileEditor .cm-content')).toContainText('after:');
  expect(await page.contents.fileExists(`${tmpPath}/chain/pipeline.yaml`)).toBe(true);
  await shot(page, 'folder-pipeline-file');

  // a second time: the existing file is replaced only when the user says so
  await page.locator('.lm-TabBar-tab', { hasText: 'Pipeline · chain/' }).click();
  await view.locator('.nbo-write-pipeline').click();
  const dialog = page.locator('.jp-Dialog');
  await expect(dialog).toContainText('Replace the pipeline file?');
  await dialog.locator('.jp-mod-reject').click();
  await expect(dialog).toHaveCount(0);
});

test('a folder without notebooks says so in one line', async ({ page, tmpPath }) => {
  await page.contents.uploadContent('just notes', 'text', `${tmpPath}/notes/readme.txt`);
  await page.filebrowser.openDirectory(tmpPath);
  await page.locator('.jp-DirListing-item[data-isdir="true"]', { hasText: 'notes' }).click({ button: 'right' });
  await page.locator('.lm-Menu-item', { hasText: 'Run Folder as a Pipeline' }).click();
  const error = page.locator(`${VIEW} .nbo-error`);
  await expect(error).toHaveText(
    `${tmpPath}/notes: no notebooks match *.ipynb in this folder (pass the folder of the notebooks, or FOLDER/GLOB (e.g. 'analysis/[0-9]*.ipynb'))`
  );
  await expect(page.locator(`${VIEW} .nbo-run-button`)).toHaveCount(0);
  await shot(page, 'folder-no-notebooks');
});
