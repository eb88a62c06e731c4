/**
 * The models' polls (@lumino/polling) against a real HTTP server: a poll starts when watched,
 * backs off while the server fails, recovers, and stops or goes with its model.
 */
import { PageConfig } from '@jupyterlab/coreutils';
import { createServer, Server } from 'http';
import { AddressInfo } from 'net';

import { RemoteRuns } from '../src/remoteruns';
import { NotebookSchedules } from '../src/schedules';

let server: Server;
let failing = true;
const asked: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    asked.push(req.url ?? '');
    res.setHeader('Content-Type', 'application/json');
    if (failing) {
      res.statusCode = 500;
      res.end(JSON.stringify({ error: 'StoreError', message: 'the schedule store cannot be read' }));
    } else if ((req.url ?? '').includes('remote-runs')) {
      res.end(JSON.stringify({ airflow_url: 'http://airflow:8080', runs: [] }));
    } else {
      res.end(JSON.stringify({ schedules: [], services: [{ kind: 'in-server' }] }));
    }
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  PageConfig.setOption('baseUrl', `http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
});

afterAll(() => new Promise<void>(resolve => server.close(() => resolve())));

beforeEach(() => {
  failing = true;
  asked.length = 0;
});

/** Wait until `done()` holds (checked every 20 ms), or fail after `ms`. */
async function until(what: string, done: () => boolean, ms = 20000): Promise<void> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) {
      throw new Error(`${what}: not reached in ${ms} ms`);
    }
    await new Promise(resolve => setTimeout(resolve, 20));
  }
}

describe('the schedules poll', () => {
  it('asks at once when watched, backs off while the server fails, and recovers', async () => {
    const schedules = new NotebookSchedules(() => 'churn.ipynb');
    expect(schedules.watching).toBe(false);
    expect(asked).toEqual([]); // made, not watched: no request
    schedules.watch();
    expect(schedules.watching).toBe(true);
    await until("schedules.poll.state.phase === 'rejected'", () => schedules.poll.state.phase === 'rejected');
    expect(asked).toHaveLength(1);
    expect(asked[0]).toContain('schedules');
    expect(schedules.error).toBe('the schedule store cannot be read');
    expect(schedules.loaded).toBe(true);
    // a rejected tick: the poll backs off from here (growing towards its 60 s maximum)
    expect(schedules.poll.frequency).toEqual({ interval: 5000, backoff: true, max: 60000 });
    failing = false;
    void schedules.poll.refresh();
    await until('schedules.services.length > 0', () => schedules.services.length > 0);
    expect(schedules.services).toEqual([{ kind: 'in-server' }]);
    // answered: back to the plain interval
    await until('resolved', () => schedules.poll.state.phase === 'resolved');
    expect(schedules.poll.state.interval).toBe(5000);
    schedules.unwatch();
    await until('!schedules.watching', () => !schedules.watching);
    schedules.dispose();
    expect(schedules.poll.isDisposed).toBe(true);
  }, 60000);
});

describe('the remote runs poll', () => {
  it('fetches while watched, and stops asking when released', async () => {
    const runs = new RemoteRuns();
    let changes = 0;
    runs.changed.connect(() => changes++);
    failing = false;
    expect(runs.watching).toBe(false);
    runs.watch();
    await until('runs.reply !== null', () => runs.reply !== null);
    expect(runs.reply).toEqual({ airflow_url: 'http://airflow:8080', runs: [] });
    expect(changes).toBe(1);
    runs.unwatch();
    await until('!runs.watching', () => !runs.watching);
    const before = asked.length;
    void runs.poll.refresh(); // a stopped poll's refresh: no request once disposed
    runs.dispose();
    expect(runs.poll.isDisposed).toBe(true);
    await new Promise(resolve => setTimeout(resolve, 100));
    expect(asked.length).toBe(before);
  }, 60000);
});
