/** Shared steps of the browser tests: open the example notebook with the pipeline panel, screenshots. */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import { IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { NotebookPanel } from '@jupyterlab/notebook';
import { expect, Locator, Page } from '@playwright/test';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const ROOT = path.resolve(__dirname, '..', '..');
export const SHOTS = path.join(ROOT, 'build', 'browser-screenshots');
export const PANEL = '#notebook-ops-panel';
/** The Jupyter server's root folder (see playwright.config.js). */
export const SERVER_ROOT = process.env.NBO_BROWSER_ROOT ?? path.join(os.tmpdir(), 'notebook-ops-browser-root');

export async function shot(page: IJupyterLabPageFixture | Page, name: string): Promise<string> {
  const file = path.join(SHOTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** Upload `examples/<name>` (or a given file) into the test folder, open it and the panel. */
export async function openNotebook(
  page: IJupyterLabPageFixture,
  tmpPath: string,
  local = path.join(ROOT, 'examples', 'churn.ipynb'),
  name = 'churn.ipynb'
): Promise<string> {
  const remote = `${tmpPath}/${name}`;
  await page.contents.uploadFile(local, remote);
  await page.notebook.openByPath(remote);
  await page.notebook.activate(name);
  await page.sidebar.openTab('notebook-ops-panel');
  await expect(page.locator(PANEL)).toBeVisible();
  return remote;
}

export function graphNode(page: IJupyterLabPageFixture | Page, step: string) {
  return page.locator(`${PANEL} .nbo-graph-node[data-step="${step}"]`);
}

/** The page's JupyterLab (exposed by the test server's LabApp.expose_app_in_browser). */
type LabWindow = Window & { jupyterapp: JupyterFrontEnd };

export async function runCommand(page: IJupyterLabPageFixture, id: string, args: Record<string, unknown> = {}) {
  await page.evaluate(
    ({ id, args }) => (window as unknown as LabWindow).jupyterapp.commands.execute(id, args as never),
    { id, args }
  );
}

/** The active cell's index in the current notebook (0-based, as the notebook model counts). */
export function activeCellIndex(page: IJupyterLabPageFixture): Promise<number> {
  return page.evaluate(
    () => ((window as unknown as LabWindow).jupyterapp.shell.currentWidget as NotebookPanel).content.activeCellIndex
  );
}

/** `metadata.tags` of cell `index` of the current notebook ([] when none). */
export function cellTags(page: IJupyterLabPageFixture, index: number): Promise<string[]> {
  return page.evaluate(
    i =>
      (((window as unknown as LabWindow).jupyterapp.shell.currentWidget as NotebookPanel).content.widgets[
        i
      ].model.getMetadata('tags') ?? []) as string[],
    index
  );
}

/** A key of the current notebook's metadata. */
export function notebookMetadata(page: IJupyterLabPageFixture, key: string): Promise<unknown> {
  return page.evaluate(
    k =>
      ((window as unknown as LabWindow).jupyterapp.shell.currentWidget as NotebookPanel).context.model.getMetadata(k),
    key
  );
}

type Cell = {
  cell_type: 'code' | 'markdown';
  id: string;
  source: string;
  metadata: { tags?: string[] };
  outputs?: [];
  execution_count?: null;
};

export interface INotebookFile {
  nbformat: number;
  nbformat_minor: number;
  metadata: Record<string, unknown>;
  cells: Cell[];
}

/**
 * A generated 13-step notebook with a 5-way fan-out (five models trained in parallel), as a data
 * scientist's notebook looks: a title, parameters, setup, markdown titles on some steps.
 * `fail_step` makes the named training step raise; `compare` logs the best score as a metric.
 */
export function wideNotebook(): INotebookFile {
  let n = 0;
  const code = (source: string, tags: string[] = []): Cell => ({
    cell_type: 'code',
    id: `c${n++}`,
    source,
    metadata: tags.length ? { tags } : {},
    outputs: [],
    execution_count: null
  });
  const md = (source: string, tags: string[] = []): Cell => ({
    cell_type: 'markdown',
    id: `m${n++}`,
    source,
    metadata: tags.length ? { tags } : {}
  });
  const models = ['linear', 'tree', 'forest', 'boosting', 'knn'];
  const cells: Cell[] = [
    md('# Churn model comparison\nFive models trained side by side on the same features.'),
    code(
      'n_rows = 300  # rows of synthetic data\nseed = 7  # random seed\nfail_step = ""  # a training step to break on purpose',
      ['parameters']
    ),
    code('import math\nimport random\nimport notebook_ops as nbo', ['setup']),
    md('## Load the data', ['step:load']),
    code('random.seed(seed)\nrows = [(random.random(), random.random()) for _ in range(n_rows)]'),
    code('clean_rows = [r for r in rows if r[0] > 0.05]', ['step:clean']),
    code('features = [(a, b, a * b) for a, b in clean_rows]', ['step:featurize']),
    ...models.map((m, i) =>
      code(
        `# Train ${m}\nif fail_step == "train_${m}":\n    raise ValueError("${m} did not converge")\n` +
          `score_${m} = round(0.7 + ${i} * 0.03 + sum(f[2] for f in features) / len(features) / 10, 4)`,
        [`step:train_${m}`, 'after:featurize']
      )
    ),
    code(
      `scores = {${models.map(m => `"${m}": score_${m}`).join(', ')}}\nbest = max(scores, key=scores.get)\nbest_score = scores[best]\nnbo.log_metric("best_score", best_score)`,
      ['step:compare', ...models.map(m => `after:train_${m}`)]
    ),
    code('chosen = {"model": best, "score": best_score}', ['step:select']),
    code("report = f\"best model: {chosen['model']} ({chosen['score']})\"", ['step:report']),
    code('summary = report.upper()', ['step:publish']),
    code('checked = len(summary) > 0', ['step:validate']),
    code('print(scores)  # exploration', ['skip'])
  ];
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' },
      notebook_ops: { metric_targets: { best_score: '>= 0.99', latency_ms: '<= 50' } }
    },
    cells
  };
}

/** Write the generated notebook under build/ and return its local path. */
export function writeWideNotebook(name = 'wide.ipynb', edit?: (nb: INotebookFile) => void): string {
  const nb = wideNotebook();
  edit?.(nb);
  const local = path.join(ROOT, 'build', 'browser-results', name);
  fs.mkdirSync(path.dirname(local), { recursive: true });
  fs.writeFileSync(local, JSON.stringify(nb, null, 1));
  return local;
}

/**
 * Drag the handle between the main area and the right sidebar (where the pipeline panel lives)
 * until the sidebar is `px` wide, as a user narrows it; returns the panel's width then.
 */
export async function setRightSidebarWidth(page: IJupyterLabPageFixture, px: number): Promise<number> {
  const stack = page.locator('#jp-right-stack');
  for (let attempt = 0; attempt < 3; attempt++) {
    const box = (await stack.boundingBox())!;
    if (Math.abs(box.width - px) <= 2) {
      break;
    }
    const handles = await page.locator('#jp-main-split-panel > .lm-SplitPanel-handle').all();
    let handle: { x: number; y: number; width: number; height: number } | null = null;
    for (const h of handles) {
      const b = await h.boundingBox();
      if (b && Math.abs(b.x + b.width - box.x) <= 3) {
        handle = b;
      }
    }
    if (!handle) {
      throw new Error('no handle beside the right sidebar');
    }
    const y = handle.y + handle.height / 2;
    await page.mouse.move(handle.x + handle.width / 2, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width - px - handle.width / 2, y, { steps: 8 });
    await page.mouse.up();
  }
  return (await page.locator(PANEL).boundingBox())!.width;
}

/** Whether `inner` lies inside `outer` across (its right edge is not cut off). */
export async function insideAcross(inner: Locator, outer: Locator): Promise<boolean> {
  const a = (await inner.boundingBox())!;
  const b = (await outer.boundingBox())!;
  return a.x >= b.x - 0.5 && a.x + a.width <= b.x + b.width + 0.5;
}
