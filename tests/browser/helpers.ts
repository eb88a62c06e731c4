/** Shared steps of the browser tests: open the example notebook with the pipeline panel, screenshots. */
import { IJupyterLabPageFixture } from '@jupyterlab/galata';
import { expect } from '@playwright/test';
import * as os from 'os';
import * as path from 'path';

export const ROOT = path.resolve(__dirname, '..', '..');
export const SHOTS = path.join(ROOT, 'build', 'browser-screenshots');
export const PANEL = '#notebook-ops-panel';
/** The Jupyter server's root folder (see playwright.config.js). */
export const SERVER_ROOT = process.env.NBO_BROWSER_ROOT ?? path.join(os.tmpdir(), 'notebook-ops-browser-root');

export async function shot(page: IJupyterLabPageFixture, name: string): Promise<string> {
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

export function graphNode(page: IJupyterLabPageFixture, step: string) {
  return page.locator(`${PANEL} .nbo-graph-node[data-step="${step}"]`);
}

export async function runCommand(page: IJupyterLabPageFixture, id: string, args: Record<string, unknown> = {}) {
  await page.evaluate(({ id, args }) => (window as any).jupyterapp.commands.execute(id, args), { id, args });
}
