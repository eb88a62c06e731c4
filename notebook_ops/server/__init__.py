"""The Jupyter server extension: the REST API the JupyterLab extension talks to.

A face: thin Tornado handlers under ``/notebook-ops/api/`` that call the model and the services
(runner, bundle, scheduler), loaded by the ``NotebookOps`` ExtensionApp (``server/app.py``, its
traitlets are the options). Enabled by ``jupyter-config/server-config/notebook_ops.json``, which
the wheel installs into ``etc/jupyter/jupyter_server_config.d``.
"""

from __future__ import annotations

from notebook_ops.model.contracts.route_table import API_PREFIX

__all__ = ["API_PREFIX"]


def _jupyter_server_extension_points():
    from notebook_ops.server.app import NotebookOps  # noqa: PLC0415 - the handlers load with the server, not on discovery

    return [{"module": "notebook_ops.server", "app": NotebookOps}]


def _jupyter_labextension_paths():
    # Relative to this module: the build writes notebook_ops/labextension.
    return [{"src": "../labextension", "dest": "notebook-ops"}]
