"""Jupyter server for the browser tests (Galata): a throwaway root, no token, a free port.

Galata's helper removes the security checks for the browser session; the server tests
(tests/server) cover authentication, XSRF and path confinement on a normal server.
"""

import os

from jupyterlab.galata import configure_jupyter_server

configure_jupyter_server(c)  # noqa: F821
# Port and root are chosen by playwright.config.js (free port, fresh folder per session).
c.ServerApp.port = int(os.environ.get("NBO_BROWSER_PORT", "8917"))  # noqa: F821
c.ServerApp.allow_root = True  # noqa: F821
c.ServerApp.jpserver_extensions = {"notebook_ops.server": True}  # noqa: F821
# jupyter-collaboration keeps shared documents' updates in a SQLite file, by default in the
# server's working directory (this checkout): the test session's own runtime folder instead
c.SQLiteYStore.db_path = os.path.join(os.environ.get("JUPYTER_RUNTIME_DIR", "."), "ystore.db")  # noqa: F821
