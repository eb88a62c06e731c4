"""The Jupyter server extension: the REST API the JupyterLab extension talks to.

A face: thin Tornado handlers under ``/notebook-ops/api/`` that call the model and the services
(runner, bundle, scheduler). Enabled by ``jupyter-config/server-config/notebook_ops.json``, which
the wheel installs into ``etc/jupyter/jupyter_server_config.d``.
"""
from __future__ import annotations

API_PREFIX = "notebook-ops/api"


def _jupyter_server_extension_points():
    return [{"module": "notebook_ops.server"}]


def _jupyter_labextension_paths():
    # Relative to this module: the build writes notebook_ops/labextension.
    return [{"src": "../labextension", "dest": "notebook-ops"}]


def _load_jupyter_server_extension(serverapp):
    from notebook_ops.server.routes import setup_routes

    setup_routes(serverapp.web_app, serverapp)
    serverapp.log.info("notebook-ops: REST API at /%s/", API_PREFIX)


def _unload_jupyter_server_extension(serverapp):
    """Stop the hosted scheduler (if this server runs one) when the server stops."""
    import sys

    hosted = sys.modules.get("notebook_ops.scheduler.hosted")
    if hosted is not None:
        hosted.stop_hosted()


# Older jupyter_server releases look for this name.
load_jupyter_server_extension = _load_jupyter_server_extension
