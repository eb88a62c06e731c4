"""The lab setting "Host the scheduler in the Jupyter server" is honoured when the server starts."""
from __future__ import annotations

import json

import pytest

from notebook_ops.server.schedules import lab_setting_host_scheduler


def write_setting(folder, text):
    path = folder / "notebook-ops" / "plugin.jupyterlab-settings"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_the_setting_file_is_read_with_comments(tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTERLAB_SETTINGS_DIR", str(tmp_path))
    assert lab_setting_host_scheduler() is False  # no file: off
    write_setting(tmp_path, '{\n  // JupyterLab writes JSON5\n  "hostScheduler": true,\n}')
    assert lab_setting_host_scheduler() is True
    write_setting(tmp_path, '{"hostScheduler": false}')
    assert lab_setting_host_scheduler() is False
    write_setting(tmp_path, "not json at all {")
    assert lab_setting_host_scheduler() is False


@pytest.fixture
def jp_server_config(tmp_path_factory, monkeypatch):
    settings = tmp_path_factory.mktemp("lab-settings")
    write_setting(settings, json.dumps({"hostScheduler": True}))
    monkeypatch.setenv("JUPYTERLAB_SETTINGS_DIR", str(settings))
    monkeypatch.delenv("NOTEBOOK_OPS_SCHEDULER", raising=False)
    return {"ServerApp": {"jpserver_extensions": {"notebook_ops.server": True}}}


async def test_a_server_started_with_the_setting_hosts_the_scheduler(jp_fetch):
    from notebook_ops.scheduler import hosted

    try:
        reply = await jp_fetch("notebook-ops", "api", "scheduler", method="GET")
        state = json.loads(reply.body)
        assert state["hosted"] is True
    finally:
        hosted.stop_hosted()
    assert hosted.current() is None
