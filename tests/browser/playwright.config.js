/**
 * Browser tests: Galata (Playwright for JupyterLab) driving Debian's chromium (/usr/bin/chromium;
 * test tools cannot download browsers here). One worker; each test saves a screenshot into
 * build/browser-screenshots/.
 */
const base = require('@jupyterlab/galata/lib/playwright-config');
const path = require('path');

const fs = require('fs');

const root = path.resolve(__dirname, '..', '..');
// The server's root folder, so tests can check what landed on disk (outside this git
// checkout: an export from inside a repository would point at its commits).
const serverRoot = path.join(require('os').tmpdir(), 'notebook-ops-browser-root');
fs.rmSync(serverRoot, { recursive: true, force: true });
fs.mkdirSync(serverRoot, { recursive: true });
const python = process.env.NBO_VENV_BIN || path.join(root, '.venv', 'bin');

module.exports = {
  ...base,
  testDir: __dirname,
  testMatch: '**/*.spec.ts',
  outputDir: path.join(root, 'build', 'browser-results'),
  reporter: [['list']],
  workers: 1,
  retries: 0,
  timeout: 180000,
  expect: { timeout: 20000 },
  use: {
    ...base.use,
    baseURL: 'http://localhost:8917',
    video: 'off',
    trace: 'off',
    launchOptions: {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync'
      ]
    }
  },
  webServer: {
    command: `${path.join(python, 'jupyter')} lab --config ${path.join(__dirname, 'jupyter_server_test_config.py')}`,
    url: 'http://localhost:8917/lab',
    cwd: root,
    reuseExistingServer: false,
    timeout: 120000,
    env: { ...process.env, PATH: `${python}:${process.env.PATH}`, JUPYTERLAB_GALATA_ROOT_DIR: serverRoot }
  }
};
