"""Jupyter server for the browser tests (Galata): a throwaway root, no token, port 8917.

Galata's helper removes the security checks for the browser session; the server tests
(tests/server) cover authentication, XSRF and path confinement on a normal server.
"""
from jupyterlab.galata import configure_jupyter_server

configure_jupyter_server(c)  # noqa: F821
c.ServerApp.port = 8917  # noqa: F821  (8888 may be another developer's JupyterLab)
c.ServerApp.allow_root = True  # noqa: F821
c.ServerApp.jpserver_extensions = {"notebook_ops.server": True}  # noqa: F821
