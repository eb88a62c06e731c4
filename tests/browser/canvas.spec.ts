/**
 * Issue 25 item 1, compose on the graph: three untagged notebooks become a running pipeline on
 * the canvas (New Pipeline Canvas, drag each notebook from the file browser onto it, draw two
 * edges from a step's handle, Run). The spec counts the user's actions and logs how long the
 * journey took; it checks the tags written (an existing tag kept), then deletes an edge with the
 * Delete key and undoes it with Z.
 */
import { expect, test } from '@jupyterlab/galata';
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';

import { INotebookFile, SERVER_ROOT, shot } from './helpers';

const CANVAS = '.nbo-canvas-tab';

type Spec = ['code' | 'markdown', string, string[]];

function notebook(cells: Spec[]): string {
  const nb: INotebookFile = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    cells: cells.map(([type, source, tags], i) =>
      type === 'code'
        ? { cell_type: type, id: `c${i}`, source, metadata: { tags }, outputs: [], execution_count: null }
        : { cell_type: type, id: `c${i}`, source, metadata: { tags } }
    )
  };
  return JSON.stringify(nb, null, 1);
}

// three untagged notebooks that hand each other names: rows -> feats -> model
const NOTEBOOKS: Record<string, Spec[]> = {
  '01_ingest.ipynb': [['code', 'rows = [1, 2, 3, 4]', []]],
  '02_features.ipynb': [
    ['markdown', '## Features', []],
    ['code', 'feats = [r * 2 for r in rows]', ['keep-me']]
  ],
  '03_train.ipynb': [
    ['code', 'model = sum(feats)', []],
    ['code', "print('model', model)", []]
  ]
};

/** A drag with the mouse, in small moves (Lumino starts a drag past a few pixels). */
async function drag(page: IJupyterLabPageFixture, from: Locator, to: Locator): Promise<void> {
  const a = (await from.boundingBox())!;
  const b = (await to.boundingBox())!;
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move(a.x + a.width / 2 + 12, a.y + a.height / 2 + 12, { steps: 4 });
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 12 });
  await page.mouse.up();
}

/** A click on an edge (a line: no area for Playwright's visibility check), at its middle. */
async function clickEdge(page: IJupyterLabPageFixture, edge: Locator): Promise<void> {
  const box = (await edge.locator('path').first().boundingBox())!;
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
}

function tagsOnDisk(tmpPath: string, name: string): string[][] {
  const nb = JSON.parse(fs.readFileSync(path.join(SERVER_ROOT, tmpPath, name), 'utf-8')) as INotebookFile;
  return nb.cells.map(c => c.metadata.tags ?? []);
}

test('three untagged notebooks become a running pipeline on the canvas', async ({ page, tmpPath }) => {
  for (const [name, cells] of Object.entries(NOTEBOOKS)) {
    await page.contents.uploadContent(notebook(cells), 'text', `${tmpPath}/${name}`);
  }
  await page.filebrowser.refresh();
  await page.filebrowser.openDirectory(tmpPath);
  const canvas = page.locator(CANVAS);
  const node = (step: string) => canvas.locator(`.nbo-graph-node[data-step="${step}"]`);
  const item = (name: string) => page.locator('.jp-DirListing-item', { hasText: name });
  const status = canvas.locator('.nbo-canvas-status');
  let actions = 0;
  const began = Date.now();

  // 1: New Pipeline Canvas, from the command palette
  await page.keyboard.press('Control+Shift+C');
  await page.locator('.lm-CommandPalette-input').fill('New Pipeline Canvas');
  await page.keyboard.press('Enter');
  actions += 1;
  await expect(canvas.locator('.nbo-canvas-empty')).toHaveText('Drop notebooks here from the file browser');
  await shot(page, 'canvas-empty');

  // 3: drag each notebook from the file browser onto the canvas
  const expected = ['ingest', 'features', 'train'];
  for (const [i, name] of Object.keys(NOTEBOOKS).entries()) {
    await drag(page, item(name), canvas.locator('.nbo-canvas-host'));
    actions += 1;
    await expect(canvas.locator('.nbo-graph-node')).toHaveCount(i + 1);
    await expect(node(expected[i])).toBeVisible();
  }
  await expect(status).toHaveText('added 03_train.ipynb to pipeline.yaml');
  expect(fs.readFileSync(path.join(SERVER_ROOT, tmpPath, 'pipeline.yaml'), 'utf-8')).toContain(
    'notebooks:\n  - path: "01_ingest.ipynb"\n  - path: "02_features.ipynb"\n  - path: "03_train.ipynb"\n'
  );
  // not joined yet: features reads rows that no step before it defines
  await expect(canvas.locator('.nbo-run-button')).toBeDisabled();
  await shot(page, 'canvas-dropped');

  // 2: an edge from each step's handle to the next step
  await drag(page, node('ingest').locator('.nbo-graph-handle'), node('features'));
  actions += 1;
  await expect(status).toHaveText('wrote after:01_ingest to 02_features.ipynb, cell 2');
  await drag(page, node('features').locator('.nbo-graph-handle'), node('train'));
  actions += 1;
  await expect(status).toHaveText('wrote after:02_features to 03_train.ipynb, cell 1');
  await expect(canvas.locator('.nbo-graph-edge')).toHaveCount(2);
  // every step names its notebook (none is "the entry" on a canvas)
  await expect(canvas.locator('.nbo-graph-notebook')).toHaveText(['▤ 01_ingest', '▤ 02_features', '▤ 03_train']);
  // the tag is on the first code cell, after the tags it had
  expect(tagsOnDisk(tmpPath, '02_features.ipynb')).toEqual([[], ['keep-me', 'after:01_ingest']]);
  expect(tagsOnDisk(tmpPath, '03_train.ipynb')).toEqual([['after:02_features'], []]);
  await shot(page, 'canvas-joined');

  // 2: Run, then the dialog's Run
  const run = canvas.locator('.nbo-run-button');
  await expect(run).toBeEnabled();
  await run.click();
  await page.locator('.jp-Dialog .jp-mod-accept').click();
  actions += 2;
  for (const step of expected) {
    await expect(canvas.locator(`.nbo-step-run[data-step="${step}"]`)).toHaveClass(/nbo-status-succeeded/, {
      timeout: 150000
    });
  }
  await expect(canvas.locator('.nbo-run-head .nbo-status')).toHaveText('succeeded');
  const seconds = (Date.now() - began) / 1000;
  console.log(`canvas journey: ${actions} user actions, ${seconds.toFixed(1)} s from the first to a succeeded run`);
  test.info().annotations.push({ type: 'journey', description: `${actions} actions, ${seconds.toFixed(1)} s` });
  expect(actions).toBe(8);
  for (const step of expected) {
    await expect(node(step)).toHaveClass(/nbo-status-(succeeded|cached)/);
  }
  await shot(page, 'canvas-run');
});

test('an edge deleted with the Delete key comes back with Z; other tags stay', async ({ page, tmpPath }) => {
  for (const [name, cells] of Object.entries(NOTEBOOKS)) {
    await page.contents.uploadContent(notebook(cells), 'text', `${tmpPath}/${name}`);
  }
  const joined = notebook([
    ['markdown', '## Features', []],
    ['code', 'feats = [r * 2 for r in rows]', ['keep-me', 'after:01_ingest']]
  ]);
  await page.contents.uploadContent(joined, 'text', `${tmpPath}/02_features.ipynb`);
  await page.contents.uploadContent(
    '# notebook-ops pipeline file written by the pipeline canvas (README, "Pipeline files").\n' +
      "# The notebooks' after: tags give their order; notebooks no tag joins run in parallel.\n" +
      'notebooks:\n  - path: "01_ingest.ipynb"\n  - path: "02_features.ipynb"\n',
    'text',
    `${tmpPath}/pipeline.yaml`
  );
  await page.filebrowser.refresh();
  await page.filebrowser.openDirectory(tmpPath);
  // the file opens as a canvas from its context menu
  await page.locator('.jp-DirListing-item', { hasText: 'pipeline.yaml' }).click({ button: 'right' });
  await page.locator('.lm-Menu-item', { hasText: 'Open as Pipeline Canvas' }).click();
  const canvas = page.locator(CANVAS);
  const status = canvas.locator('.nbo-canvas-status');
  const edge = canvas.locator('.nbo-graph-edge[data-from="ingest"][data-to="features"]');
  await expect(edge).toHaveCount(1);

  // the features notebook is open in an editor: the edit goes through it (and saves it)
  await page.notebook.openByPath(`${tmpPath}/02_features.ipynb`);
  await page.locator('.lm-TabBar-tab', { hasText: 'Canvas · pipeline.yaml' }).click();
  await clickEdge(page, edge);
  await expect(edge).toHaveClass(/nbo-selected/);
  await page.keyboard.press('Delete');
  await expect(status).toHaveText('removed after:01_ingest from 02_features.ipynb, cell 2');
  await expect(edge).toHaveCount(0);
  expect(tagsOnDisk(tmpPath, '02_features.ipynb')).toEqual([[], ['keep-me']]);
  await shot(page, 'canvas-edge-deleted');

  await page.keyboard.press('z');
  await expect(status).toHaveText('undid: removed after:01_ingest from 02_features.ipynb, cell 2');
  await expect(edge).toHaveCount(1);
  expect(tagsOnDisk(tmpPath, '02_features.ipynb')).toEqual([[], ['keep-me', 'after:01_ingest']]);

  // the open editor followed: its cell has the tag back (saved: the file on disk has it too)
  await page.locator('.lm-TabBar-tab', { hasText: '02_features.ipynb' }).click();
  const tags = await page.evaluate(() => {
    const app = (window as unknown as { jupyterapp: import('@jupyterlab/application').JupyterFrontEnd }).jupyterapp;
    const panel = app.shell.currentWidget as import('@jupyterlab/notebook').NotebookPanel;
    return panel.context.model.cells.get(1).getMetadata('tags');
  });
  expect(tags).toEqual(['keep-me', 'after:01_ingest']);

  // a notebook deleted from the canvas leaves the file and the tags naming it; Z brings both back
  await page.locator('.lm-TabBar-tab', { hasText: 'Canvas · pipeline.yaml' }).click();
  await canvas.locator('.nbo-graph-node[data-step="ingest"]').click();
  await page.keyboard.press('Delete');
  await expect(status).toHaveText('removed 01_ingest.ipynb from pipeline.yaml and 1 after: tag(s) naming it');
  await expect(canvas.locator('.nbo-graph-node')).toHaveCount(1);
  expect(tagsOnDisk(tmpPath, '02_features.ipynb')).toEqual([[], ['keep-me']]);
  await shot(page, 'canvas-node-deleted');
  await page.keyboard.press('Control+z');
  await expect(canvas.locator('.nbo-graph-node')).toHaveCount(2);
  await expect(edge).toHaveCount(1);
  expect(tagsOnDisk(tmpPath, '02_features.ipynb')).toEqual([[], ['keep-me', 'after:01_ingest']]);
  await shot(page, 'canvas-undone');
});

test('an Elyra pipeline opens on the canvas; edits write pipeline-flow v3 back, Z restores it', async ({
  page,
  tmpPath
}) => {
  for (const [name, cells] of Object.entries(NOTEBOOKS)) {
    await page.contents.uploadContent(notebook(cells), 'text', `${tmpPath}/${name}`);
  }
  const node = (id: string, filename: string, parents: string[] = []) => ({
    id,
    type: 'execution_node',
    op: 'execute-notebook-node',
    app_data: {
      label: filename,
      component_parameters: { filename, env_vars: [], outputs: [], dependencies: [] },
      ui_data: { x_pos: 10, y_pos: 20, image: 'notebook.svg' }
    },
    inputs: [{ id: 'inPort', links: parents.map(p => ({ id: `l-${p}`, node_id_ref: p, port_id_ref: 'outPort' })) }],
    outputs: [{ id: 'outPort' }]
  });
  const flow = {
    doc_type: 'pipeline',
    version: '3.0',
    id: 'flow',
    primary_pipeline: 'primary',
    pipelines: [
      {
        id: 'primary',
        nodes: [node('n1', '01_ingest.ipynb'), node('n2', '02_features.ipynb', ['n1'])],
        app_data: { version: 8, properties: { name: 'flow' }, ui_data: { comments: [{ id: 'c1', content: 'kept' }] } }
      }
    ],
    schemas: []
  };
  const text = JSON.stringify(flow, null, 2) + '\n';
  await page.contents.uploadContent(text, 'text', `${tmpPath}/flow.pipeline`);
  const onDisk = () => JSON.parse(fs.readFileSync(path.join(SERVER_ROOT, tmpPath, 'flow.pipeline'), 'utf-8'));
  await page.filebrowser.refresh();
  await page.filebrowser.openDirectory(tmpPath);
  await page.locator('.jp-DirListing-item', { hasText: 'flow.pipeline' }).click({ button: 'right' });
  await page.locator('.lm-Menu-item', { hasText: 'Open as Pipeline Canvas' }).click();
  const canvas = page.locator(CANVAS);
  const status = canvas.locator('.nbo-canvas-status');
  await expect(canvas.locator('.nbo-graph-node')).toHaveCount(2);
  await expect(canvas.locator('.nbo-graph-edge[data-from="ingest"][data-to="features"]')).toHaveCount(1);

  // a notebook dropped: a node of the file; an edge drawn: a link
  await drag(
    page,
    page.locator('.jp-DirListing-item', { hasText: '03_train.ipynb' }),
    canvas.locator('.nbo-canvas-host')
  );
  await expect(status).toHaveText('added 03_train.ipynb to flow.pipeline');
  await expect(canvas.locator('.nbo-graph-node')).toHaveCount(3);
  const train = canvas.locator('.nbo-graph-node[data-step="train"]');
  await drag(page, canvas.locator('.nbo-graph-node[data-step="features"] .nbo-graph-handle'), train);
  await expect(status).toHaveText('wrote a link 02_features.ipynb → 03_train.ipynb to flow.pipeline');
  await expect(canvas.locator('.nbo-graph-edge[data-from="features"][data-to="train"]')).toHaveCount(1);
  const written = onDisk();
  const nodes = written.pipelines[0].nodes;
  expect(
    nodes.map(
      (n: { app_data: { component_parameters: { filename: string } } }) => n.app_data.component_parameters.filename
    )
  ).toEqual(['01_ingest.ipynb', '02_features.ipynb', '03_train.ipynb']);
  expect(nodes[2].inputs[0].links.map((l: { node_id_ref: string }) => l.node_id_ref)).toEqual(['n2']);
  // what the canvas did not touch is as it was
  expect(nodes.slice(0, 2)).toEqual(flow.pipelines[0].nodes);
  expect(written.pipelines[0].app_data).toEqual(flow.pipelines[0].app_data);
  await shot(page, 'canvas-elyra');

  // the link deleted, then both edits undone: the file as it was, byte for byte
  await clickEdge(page, canvas.locator('.nbo-graph-edge[data-from="features"][data-to="train"]'));
  await page.keyboard.press('Delete');
  await expect(status).toHaveText('removed the link 02_features.ipynb → 03_train.ipynb from flow.pipeline');
  expect(onDisk().pipelines[0].nodes[2].inputs[0].links).toEqual([]);
  for (const undone of [
    'removed the link 02_features.ipynb → 03_train.ipynb from flow.pipeline',
    'wrote a link 02_features.ipynb → 03_train.ipynb to flow.pipeline',
    'added 03_train.ipynb to flow.pipeline'
  ]) {
    await page.keyboard.press('z');
    await expect(status).toHaveText(`undid: ${undone}`);
  }
  await expect(canvas.locator('.nbo-graph-node')).toHaveCount(2);
  expect(fs.readFileSync(path.join(SERVER_ROOT, tmpPath, 'flow.pipeline'), 'utf-8')).toBe(text);
});

// 3 notebooks of 4, 5 and 4 steps: 02 and 03 run after the notebook before
function stepsNotebook(prefix: string, count: number, after: string | null, reads: string | null): Spec[] {
  return Array.from({ length: count }, (_, i) => {
    const tags = [`step:${prefix}${i + 1}`];
    if (i === 0 && after) {
      tags.push(`after:${after}`);
    }
    const source =
      i === 0 && reads ? `${prefix}1 = ${reads} + 1` : `${prefix}${i + 1} = ${i ? `${prefix}${i}` : 0} + 1`;
    return ['code', source, tags] as Spec;
  });
}

test('a 3-notebook pipeline of 13 steps: the panel at the default width, badges, the canvas', async ({
  page,
  tmpPath
}) => {
  await page.contents.uploadContent(notebook(stepsNotebook('load', 4, null, null)), 'text', `${tmpPath}/01_load.ipynb`);
  await page.contents.uploadContent(
    notebook(stepsNotebook('prep', 5, '01_load', 'load4')),
    'text',
    `${tmpPath}/02_prep.ipynb`
  );
  await page.contents.uploadContent(
    notebook(stepsNotebook('fit', 4, '02_prep', 'prep5')),
    'text',
    `${tmpPath}/03_fit.ipynb`
  );
  await page.notebook.openByPath(`${tmpPath}/03_fit.ipynb`);
  await page.notebook.activate('03_fit.ipynb');
  await page.sidebar.openTab('notebook-ops-panel');
  const panel = page.locator('#notebook-ops-panel');
  await expect(panel.locator('.nbo-lane-row')).toHaveCount(13);
  // the cross-notebook link as a badge on the first step's cell
  const link = page.locator('.jp-Cell .nbo-cell-badge-link');
  await expect(link).toHaveText(['⇠ 02_prep:prep5']);
  await shot(page, 'canvas-13-steps-panel');

  // the panel follows a tag changed in another notebook of the pipeline (here: by the canvas' writer)
  await page.contents.uploadContent(
    notebook([...stepsNotebook('prep', 5, '01_load', 'load4'), ['code', 'prep6 = prep5 + 1', ['step:prep6']]]),
    'text',
    `${tmpPath}/02_prep.ipynb`
  );
  await page.evaluate(async p => {
    const app = (window as unknown as { jupyterapp: import('@jupyterlab/application').JupyterFrontEnd }).jupyterapp;
    const model = await app.serviceManager.contents.get(p, { content: true });
    await app.serviceManager.contents.save(p, { type: 'notebook', format: 'json', content: model.content });
  }, `${tmpPath}/02_prep.ipynb`);
  await expect(panel.locator('.nbo-lane-row')).toHaveCount(14);

  // a click on the badge opens the other notebook at that step; the panel keeps the whole pipeline
  await link.click();
  await expect
    .poll(() =>
      page.evaluate(
        () =>
          (window as unknown as { jupyterapp: import('@jupyterlab/application').JupyterFrontEnd }).jupyterapp.shell
            .currentWidget?.title.label
      )
    )
    .toBe('02_prep.ipynb');
  await expect(panel.locator('.nbo-lane-row')).toHaveCount(14);
  await shot(page, 'canvas-13-steps-kept');

  // the same pipeline on the canvas: its file lists the three notebooks
  await page.contents.uploadContent(
    '# notebook-ops pipeline file written by the pipeline canvas (README, "Pipeline files").\n' +
      "# The notebooks' after: tags give their order; notebooks no tag joins run in parallel.\n" +
      'notebooks:\n  - path: "01_load.ipynb"\n  - path: "02_prep.ipynb"\n  - path: "03_fit.ipynb"\n',
    'text',
    `${tmpPath}/pipeline.yaml`
  );
  await page.filebrowser.refresh();
  await page.filebrowser.openDirectory(tmpPath);
  await page.locator('.jp-DirListing-item', { hasText: 'pipeline.yaml' }).click({ button: 'right' });
  await page.locator('.lm-Menu-item', { hasText: 'Open as Pipeline Canvas' }).click();
  const canvas = page.locator(CANVAS);
  await expect(canvas.locator('.nbo-graph-node')).toHaveCount(14);
  await expect(canvas.locator('.nbo-graph-edge')).toHaveCount(13);
  await shot(page, 'canvas-13-steps-canvas');
});
