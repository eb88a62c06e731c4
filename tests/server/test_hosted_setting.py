"""The server's options are traitlets of the NotebookOps ExtensionApp: ``c.NotebookOps.*``.

A user's lab settings file never reaches the server: only the lab applies the per-user
"Host the scheduler" setting (PUT /scheduler), so a test server is not changed by it.
"""

from __future__ import annotations

import json

import pytest


@pytest.fixture
def jp_server_config(tmp_path_factory, monkeypatch):
    # a user who once clicked "Host it in this Jupyter server": the file must not matter
    settings = tmp_path_factory.mktemp("lab-settings")
    path = settings / "notebook-ops" / "plugin.jupyterlab-settings"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"hostScheduler": False}))
    monkeypatch.setenv("JUPYTERLAB_SETTINGS_DIR", str(settings))
    monkeypatch.delenv("NOTEBOOK_OPS_SCHEDULER", raising=False)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    store = tmp_path_factory.mktemp("store") / "schedules.db"
    return {
        "ServerApp": {"jpserver_extensions": {"notebook_ops.server": True}},
        "NotebookOps": {
            "host_scheduler": True,
            "scheduler_store": f"sqlite:///{store}",
            "mlflow_ui_url": "http://mlflow.test:5000",
            "tracking_uri": f"sqlite:///{store.parent}/mlflow.db",
        },
    }


async def test_a_server_configured_to_host_the_scheduler_hosts_it(jp_fetch, jp_serverapp):
    from notebook_ops.scheduler import hosted

    try:
        state = json.loads((await jp_fetch("notebook-ops", "api", "scheduler", method="GET")).body)
        assert state["hosted"] is True
        assert hosted.current().store.url.endswith("schedules.db")
        features = json.loads((await jp_fetch("notebook-ops", "api", method="GET")).body)
        assert features["mlflow_ui_url"] == "http://mlflow.test:5000"
        import os

        assert os.environ["MLFLOW_TRACKING_URI"].endswith("/mlflow.db")
    finally:
        hosted.stop_hosted()
        import os

        os.environ.pop("MLFLOW_TRACKING_URI", None)
    assert hosted.current() is None


def test_the_options_are_traitlets_with_help():
    from notebook_ops.server.app import NotebookOps

    traits = NotebookOps.class_own_traits(config=True)
    assert {"host_scheduler", "scheduler_store", "scheduler_workers", "tracking_uri", "mlflow_ui_url"} <= set(
        traits
    )
    assert all(t.help for t in traits.values())
