"""A user's lab setting "hostScheduler": true (written when they clicked "Host it in this Jupyter
server") does not switch the scheduler on in a server started without c.NotebookOps.host_scheduler."""

from __future__ import annotations

import json

import pytest


@pytest.fixture
def jp_server_config(tmp_path_factory, monkeypatch):
    settings = tmp_path_factory.mktemp("lab-settings")
    path = settings / "notebook-ops" / "plugin.jupyterlab-settings"
    path.parent.mkdir(parents=True)
    path.write_text('{\n  // JupyterLab writes JSON5\n  "hostScheduler": true,\n}')
    monkeypatch.setenv("JUPYTERLAB_SETTINGS_DIR", str(settings))
    monkeypatch.delenv("NOTEBOOK_OPS_SCHEDULER", raising=False)
    return {"ServerApp": {"jpserver_extensions": {"notebook_ops.server": True}}}


async def test_the_users_lab_settings_file_does_not_start_the_scheduler(jp_fetch):
    from notebook_ops.scheduler import hosted

    try:
        state = json.loads((await jp_fetch("notebook-ops", "api", "scheduler", method="GET")).body)
        assert state["hosted"] is False
    finally:
        hosted.stop_hosted()
