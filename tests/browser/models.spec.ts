/**
 * Issue 28 item 6, the Models section: a pipeline whose step logs a scikit-learn model with
 * nbo.log_model, run twice from the panel (one run meets the accuracy target, one misses it),
 * shows both versions with their lineage, targets, cost and the gate's verdict; Promote through
 * the dialog makes the good version the champion, and the gate refuses the other.
 */
import { expect, test } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { openNotebook, PANEL, shot } from './helpers';

function code(id: string, source: string, tags: string[]) {
  return { cell_type: 'code', id, source, metadata: { tags }, outputs: [], execution_count: null };
}

const NOTEBOOK = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: {
    kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' },
    notebook_ops: { metric_targets: { accuracy: '>= 0.9' } }
  },
  cells: [
    code('a', 'import numpy as np\nfrom sklearn.linear_model import LogisticRegression\nimport notebook_ops as nbo', [
      'setup'
    ]),
    code('b', 'C = 1.0  # regularisation', ['parameters']),
    code('c', 'rng = np.random.default_rng(0)\nX = rng.normal(size=(80, 3))\ny = (X[:, 0] > 0).astype(int)', [
      'step:data'
    ]),
    code(
      'd',
      "model = LogisticRegression(C=C).fit(X, y)\nnbo.log_metric('accuracy', model.score(X, y))\nnbo.log_model(model, 'churn-clf', input_example=X[:3])",
      ['step:train']
    )
  ]
};

async function runWith(page: Parameters<typeof shot>[0], c: string): Promise<void> {
  const details = page.locator(`${PANEL} .nbo-run-details`);
  const before = (await details.count()) ? await details.getAttribute('data-run') : null;
  await page.locator(`${PANEL} .nbo-run-button`).click();
  const dialog = page.locator('.jp-Dialog');
  await dialog.locator('input[name="C"]').fill(c);
  await dialog.locator('.jp-mod-accept').click();
  await expect(details).not.toHaveAttribute('data-run', before ?? '', { timeout: 60000 });
  await expect(page.locator(`${PANEL} .nbo-run-details > .nbo-run-head .nbo-status`)).toHaveText(
    /succeeded|below target/,
    {
      timeout: 240000
    }
  );
}

test('the Models section shows each version with its verdict, and Promote makes the champion', async ({
  page,
  tmpPath
}) => {
  const local = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nbo-models-')), 'clf.ipynb');
  fs.writeFileSync(local, JSON.stringify(NOTEBOOK));
  await openNotebook(page, tmpPath, local, 'clf.ipynb');
  // no model yet: no section
  await expect(page.locator(`${PANEL} .nbo-run-button`)).toBeEnabled();
  await expect(page.locator(`${PANEL} .nbo-models`)).toHaveCount(0);

  await runWith(page, '1.0');
  const models = page.locator(`${PANEL} .nbo-models`);
  const v1 = models.locator('.nbo-model-version[data-version="1"]');
  await expect(v1).toBeVisible({ timeout: 60000 });
  await runWith(page, '0.001');
  const v2 = models.locator('.nbo-model-version[data-version="2"]');
  await expect(v2).toBeVisible({ timeout: 60000 });

  // each version: where it came from, its target against the number, its cost, the verdict
  await expect(models.locator('.nbo-model[data-model="churn-clf"] .nbo-model-head').first()).toContainText(
    '2 versions · no alias yet'
  );
  await expect(v1.locator('.nbo-model-lineage')).toContainText('step train');
  await expect(v1.locator('.nbo-target[data-metric="accuracy"]')).toContainText(
    /accuracy = 0\.9\d* \(target >= 0\.9: met\)|accuracy = 1 \(target >= 0\.9: met\)/
  );
  await expect(v2.locator('.nbo-target[data-metric="accuracy"]')).toContainText('missed');
  await expect(v1.locator('.nbo-model-cost')).toContainText('s CPU');
  await expect(v1.locator('.nbo-gate')).toHaveText('may be promoted');
  await expect(v2.locator('.nbo-gate')).toHaveText('gate refuses');
  await expect(models.locator('.nbo-model-kpi[data-metric="accuracy"] svg')).toBeVisible();
  await shot(page, 'models-section');

  // the gate refuses version 2: the dialog says why; promoting without force changes nothing
  await v2.locator('.nbo-promote').click();
  const dialog = page.locator('.jp-Dialog');
  await expect(dialog.locator('.nbo-gate-reasons')).toContainText('missed');
  await expect(dialog.locator('.nbo-promote-force')).toBeVisible();
  await shot(page, 'models-promote-refused-dialog');
  await dialog.locator('.jp-mod-accept').click();
  await expect(models.locator('.nbo-promote-notice')).toContainText('churn-clf v2 not promoted to champion');
  await expect(v2.locator('.nbo-alias')).toHaveCount(0);

  // version 1 passes: it becomes the champion, with why
  await v1.locator('.nbo-promote').click();
  await expect(dialog.locator('.nbo-promote-force')).toHaveCount(0);
  await dialog.locator('.nbo-promote-why').fill('baseline');
  await dialog.locator('.jp-mod-accept').click();
  await expect(models.locator('.nbo-promote-notice')).toContainText('churn-clf v1 is now champion');
  await expect(v1.locator('.nbo-alias[data-alias="champion"]')).toBeVisible();
  await expect(models.locator('.nbo-model[data-model="churn-clf"] .nbo-model-head').first()).toContainText(
    'champion = v1'
  );
  await shot(page, 'models-champion');
});
