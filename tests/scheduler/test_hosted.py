"""The service hosted in a real Jupyter server: schedules fire while it runs; one host per store."""

import pytest
from .helpers import fake_command
from waiting import eventually
from nbfactory import make_notebook, write_notebook

from notebook_ops.scheduler import api, hosted
from notebook_ops.scheduler.service import SchedulerService

pytest_plugins = ("pytest_jupyter.jupyter_server",)


@pytest.fixture
def jp_server_config():
    return {"ServerApp": {"jpserver_extensions": {}}}


@pytest.fixture
def hosted_app(jp_serverapp, monkeypatch):
    monkeypatch.delenv("NOTEBOOK_OPS_DB", raising=False)
    monkeypatch.delenv("NOTEBOOK_OPS_SCHEDULER", raising=False)
    yield jp_serverapp
    hosted.stop_hosted()


def test_off_unless_a_setting_turns_it_on(hosted_app, monkeypatch):
    assert hosted.start_hosted(hosted_app) is None
    monkeypatch.setenv("NOTEBOOK_OPS_SCHEDULER", "on")
    h = hosted.start_hosted(hosted_app, command=fake_command)
    assert h is not None and hosted.start_hosted(hosted_app) is h  # idempotent


def test_a_schedule_made_for_the_server_fires_in_it(hosted_app, jp_root_dir):
    write_notebook(jp_root_dir / "n.ipynb", make_notebook([("x = 1", ["parameters"]), "y = x"]))
    url = hosted.store_url(hosted_app)
    assert url == f"sqlite:///{jp_root_dir.resolve()}/.notebook_ops/scheduler.db"
    h = hosted.start_hosted(
        hosted_app, settings={"enabled": True, "workers": 1}, command=fake_command, poll_s=0.05
    )
    assert h.store.url == url
    api.add(jp_root_dir / "n.ipynb", "*/2 * * * * *", store=url, workdir=jp_root_dir)
    eventually(
        lambda: any(r.state == "succeeded" for r in api.list_runs("n", store=url)), what="a run to succeed"
    )
    assert h.active and h.thread.is_alive()
    assert [s["kind"] for s in api.services(store=url)] == ["jupyter"]


def test_only_one_host_runs_a_store(hosted_app):
    url = hosted.store_url(hosted_app)
    h = hosted.start_hosted(hosted_app, settings={"enabled": True}, command=fake_command, poll_s=0.05)
    eventually(
        lambda: h.store.lock_owner(hosted.LOCK, h.service.clock.now()) == h.service.id, what="the host lock"
    )
    other = SchedulerService(
        api.open_store(url), kind="jupyter", lock=hosted.LOCK, command=fake_command, heartbeat_s=0
    )
    other.start()
    other.tick()
    assert not other.active  # standby while the first hosts
    hosted.stop_hosted()
    other.tick()
    assert other.active  # and takes over when it goes
    other.shutdown()
