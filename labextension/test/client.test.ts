/// <reference types="node" />
/**
 * The generated REST client (src/schemas/client.ts) and the lab's calls on it (src/api.ts):
 * what each sends over ServerConnection, seen by a fetch double in place of the server.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { PageConfig } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { api, ApiError, client } from '../src/api';

const BASE = 'http://127.0.0.1:8888/lab-base/';

interface ISent {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  headers: Headers;
}

/** A fetch double: records each request and answers `reply` (JSON) with `status`. */
function server(reply: unknown = {}, status = 200) {
  const sent: ISent[] = [];
  const fetch = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    // ServerConnection's cache buster (`?<time>`) is no parameter of ours
    const query = Object.fromEntries([...url.searchParams].filter(([k]) => !/^\d+$/.test(k)));
    const text = await request.text();
    sent.push({
      method: request.method,
      path: decodeURI(url.pathname),
      query,
      body: text ? JSON.parse(text) : undefined,
      headers: request.headers
    });
    return new Response(typeof reply === 'string' ? reply : JSON.stringify(reply), { status });
  };
  return { sent, fetch };
}

function settings(fetch: (r: Request) => Promise<Response>): ServerConnection.ISettings {
  return ServerConnection.makeSettings({ baseUrl: BASE, token: 'secret', fetch: fetch as typeof globalThis.fetch });
}

/** The OpenAPI document the client was generated from. */
const document = JSON.parse(readFileSync(join(__dirname, '../../notebook_ops/model/schema/openapi.json'), 'utf-8'));
const camel = (name: string) => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

describe('the generated client', () => {
  const operations: [string, string, Record<string, unknown>][] = Object.entries(
    document.paths as Record<string, Record<string, Record<string, unknown>>>
  ).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => [path, method, op] as [string, string, typeof op])
  );

  it('has one function per operation of the document, and no other', () => {
    const expected = operations.map(([, , op]) => camel(op.operationId as string)).sort();
    const made = Object.entries(client)
      .filter(([name, value]) => typeof value === 'function' && !name.endsWith('Url'))
      .map(([name]) => name)
      .sort();
    expect(made).toEqual(expected);
    expect(expected.length).toBeGreaterThan(20);
  });

  it.each(operations)(
    '%s %s: the method, the path with its segments encoded, query and body',
    async (path, method, op) => {
      const { sent, fetch } = server({ ok: true });
      const params = (op.parameters ?? []) as { name: string; in: string; required: boolean }[];
      const segments = params.filter(p => p.in === 'path');
      const query = Object.fromEntries(params.filter(p => p.in === 'query').map(p => [p.name, `${p.name} value/?&`]));
      const body = op.requestBody ? { path: 'dir/a b.ipynb', paused: true, hosted: false } : undefined;
      const args: unknown[] = segments.map(p => `${p.name} x/y`);
      if (params.some(p => p.in === 'query')) {
        args.push(query);
      }
      if (body) {
        args.push(body);
      }
      const fn = (client as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[
        camel(op.operationId as string)
      ];
      const reply = await fn(...args, settings(fetch));

      expect(reply).toEqual({ ok: true });
      expect(sent).toHaveLength(1);
      const [request] = sent;
      expect(request.method).toBe(method.toUpperCase());
      const filled = path.replace(/\{(\w+)\}/g, (_, n: string) => encodeURIComponent(`${n} x/y`));
      expect(request.path).toBe(decodeURI(`/lab-base/notebook-ops/api${filled === '/' ? '' : filled}`));
      expect(request.query).toEqual(query);
      expect(request.body).toEqual(body);
      // Jupyter's credentials come from ServerConnection
      expect(request.headers.get('Authorization')).toBe('token secret');
    }
  );

  it('turns an error reply into an ApiError with the server message and body', async () => {
    const problem = { error: 'NotFoundError', message: "no schedule 'nightly'", path: null, cell: null };
    const { fetch } = server(problem, 404);
    const failed = client.getSchedule('nightly', settings(fetch));
    await expect(failed).rejects.toBeInstanceOf(ApiError);
    await expect(failed).rejects.toMatchObject({ status: 404, message: "no schedule 'nightly'", body: problem });
  });

  it('says when the server cannot be reached, and names a reply that is not JSON by its text', async () => {
    const down = async (): Promise<Response> => {
      throw new TypeError('connection refused');
    };
    await expect(client.getFeatures(settings(down))).rejects.toMatchObject({ status: 0 });
    const { fetch } = server('Bad Gateway', 502);
    await expect(client.getFeatures(settings(fetch))).rejects.toMatchObject({ status: 502, message: 'Bad Gateway' });
  });

  it('gives the URL of a page the browser opens itself', () => {
    const url = client.getRunStepUrl(
      '20260101-000000-aaaaaa',
      'train',
      { path: 'a b.ipynb', format: 'html' },
      settings(server().fetch)
    );
    expect(url).toBe(`${BASE}notebook-ops/api/runs/20260101-000000-aaaaaa/steps/train?path=a+b.ipynb&format=html`);
  });
});

describe("the lab's calls", () => {
  const original = globalThis.fetch;
  let double: ReturnType<typeof server>;
  beforeEach(() => {
    PageConfig.setOption('baseUrl', BASE);
    PageConfig.setOption('token', 'secret');
    double = server({ run_id: 'r1', status: 'running', active: true });
    globalThis.fetch = double.fetch as typeof globalThis.fetch;
  });
  afterEach(() => {
    globalThis.fetch = original;
  });

  it('starts a run with only the options given', async () => {
    await api.startRun('nb.ipynb', { alpha: '2' });
    await api.startRun(
      'nb.ipynb',
      {},
      { cache: false, fromStep: 'train', cluster: 'tcp://h:8786', dataUrl: 's3://b/x' }
    );
    expect(double.sent.map(s => [s.method, s.path, s.body])).toEqual([
      ['POST', '/lab-base/notebook-ops/api/runs', { path: 'nb.ipynb', parameters: { alpha: '2' }, cache: true }],
      [
        'POST',
        '/lab-base/notebook-ops/api/runs',
        {
          path: 'nb.ipynb',
          parameters: {},
          cache: false,
          from_step: 'train',
          cluster: 'tcp://h:8786',
          data_url: 's3://b/x'
        }
      ]
    ]);
  });

  it('asks for runs, one run, a cancel, schedules and the hosted scheduler where the routes are', async () => {
    await api.runs('dir/nb.ipynb', 5);
    await api.run('dir/nb.ipynb', 'r1');
    await api.cancelRun('dir/nb.ipynb', 'r1');
    await api.pauseSchedule('weekly', true);
    await api.hostScheduler(true);
    await api.inspect('nb.ipynb');
    await api.exportBundle('nb.ipynb', 'dist', false, true);
    expect(double.sent.map(s => [s.method, s.path, s.query, s.body])).toEqual([
      ['GET', '/lab-base/notebook-ops/api/runs', { path: 'dir/nb.ipynb', limit: '5' }, undefined],
      ['GET', '/lab-base/notebook-ops/api/runs/r1', { path: 'dir/nb.ipynb' }, undefined],
      ['DELETE', '/lab-base/notebook-ops/api/runs/r1', { path: 'dir/nb.ipynb' }, undefined],
      ['PATCH', '/lab-base/notebook-ops/api/schedules/weekly', {}, { paused: true }],
      ['PUT', '/lab-base/notebook-ops/api/scheduler', {}, { hosted: true }],
      ['POST', '/lab-base/notebook-ops/api/pipelines', {}, { path: 'nb.ipynb' }],
      [
        'POST',
        '/lab-base/notebook-ops/api/exports',
        {},
        { path: 'nb.ipynb', out_dir: 'dist', allow_dirty: false, prove: true }
      ]
    ]);
  });

  it('links a step notebook page under the base URL', () => {
    expect(api.stepNotebookUrl('nb.ipynb', 'r1', 'load')).toBe(
      `${BASE}notebook-ops/api/runs/r1/steps/load?path=nb.ipynb&format=html`
    );
  });
});
