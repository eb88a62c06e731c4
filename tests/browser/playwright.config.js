/**
 * Browser tests: Galata (Playwright for JupyterLab) driving Debian's chromium (/usr/bin/chromium;
 * test tools cannot download browsers here). One worker; each test saves a screenshot into
 * build/browser-screenshots/.
 */
const base = require('@jupyterlab/galata/lib/playwright-config');
const path = require('path');

const fs = require('fs');
const os = require('os');
const { execFileSync } = require('child_process');

const root = path.resolve(__dirname, '..', '..');
const python = process.env.NBO_VENV_BIN || path.join(root, '.venv', 'bin');

// A free port and a fresh server root per test session (several developers share this machine);
// set once in the main process, inherited by the workers through the environment. The root is
// outside this git checkout: an export from inside a repository would point at its commits.
if (!process.env.NBO_BROWSER_PORT) {
  process.env.NBO_BROWSER_PORT = execFileSync(path.join(python, 'python'), [
    '-c',
    'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
  ])
    .toString()
    .trim();
  process.env.NBO_BROWSER_ROOT = fs.mkdtempSync(path.join(os.tmpdir(), 'notebook-ops-browser-'));
  process.env.NBO_BROWSER_HOME = fs.mkdtempSync(path.join(os.tmpdir(), 'notebook-ops-browser-jupyter-'));
}
const port = process.env.NBO_BROWSER_PORT;
const serverRoot = process.env.NBO_BROWSER_ROOT;

// The server gets Jupyter folders of its own: the user's config, data, runtime, lab settings
// (e.g. a "hostScheduler": true they once clicked) and workspaces never reach the tests.
const home = process.env.NBO_BROWSER_HOME;
const own = name => {
  const folder = path.join(home, name);
  fs.mkdirSync(folder, { recursive: true });
  return folder;
};
// The server loads this checkout's built extension (a git worktree's own build, not the copy the
// venv installed): JUPYTER_PATH comes before every other data folder, even with
// JUPYTER_PREFER_ENV_PATH.
const built = path.join(root, 'notebook_ops', 'labextension');
const jupyterPath = own('path');
const link = path.join(jupyterPath, 'labextensions', 'notebook-ops');
if (fs.existsSync(path.join(built, 'package.json')) && !fs.existsSync(link)) {
  fs.mkdirSync(path.dirname(link), { recursive: true });
  fs.symlinkSync(built, link);
}
const serverEnv = { ...process.env };
for (const key of Object.keys(serverEnv)) {
  if (key.startsWith('NOTEBOOK_OPS_') || key.startsWith('JUPYTER') || key.startsWith('MLFLOW_')) {
    delete serverEnv[key];
  }
}
Object.assign(serverEnv, {
  PATH: `${python}:${process.env.PATH}`,
  JUPYTERLAB_GALATA_ROOT_DIR: serverRoot,
  JUPYTER_CONFIG_DIR: own('config'),
  JUPYTER_DATA_DIR: own('data'),
  JUPYTER_PATH: jupyterPath,
  JUPYTER_RUNTIME_DIR: own('runtime'),
  JUPYTERLAB_SETTINGS_DIR: own('lab-settings'),
  JUPYTERLAB_WORKSPACES_DIR: own('lab-workspaces'),
  IPYTHONDIR: own('ipython'),
  // only the installation's own config (sys.prefix/etc/jupyter) besides JUPYTER_CONFIG_DIR
  JUPYTER_PREFER_ENV_PATH: '1'
});

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
    baseURL: `http://localhost:${port}`,
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
    url: `http://localhost:${port}/lab`,
    cwd: root,
    reuseExistingServer: false,
    timeout: 120000,
    env: serverEnv
  }
};
