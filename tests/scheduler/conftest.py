"""Scheduler test fixtures: a clock the test sets, a store in a temp folder, services."""

from __future__ import annotations

from datetime import datetime

import pytest

from .helpers import UTC, ManualClock, fake_command


@pytest.fixture
def clock():
    return ManualClock(datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC))


@pytest.fixture(scope="session")
def pg_cluster():
    """A private PostgreSQL server for this test session (``pg.py``), started on first use."""
    from .pg import Cluster

    cluster = Cluster().start()
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request):
    """The store's database; a test made for one only says ``@pytest.mark.parametrize("backend", [...])``."""
    return request.param


def _new_db(backend, request, tmp_path, migrated):
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'sched.db'}", None
    cluster = request.getfixturevalue("pg_cluster")
    name = cluster.create_db(migrated=migrated)
    request.addfinalizer(lambda: cluster.drop_db(name))
    return cluster.url(name), name


@pytest.fixture
def db_url(backend, request, tmp_path):
    """A fresh store: a SQLite file, or a PostgreSQL database already at HEAD."""
    return _new_db(backend, request, tmp_path, True)[0]


@pytest.fixture
def empty_db_url(backend, request, tmp_path):
    """A fresh, empty database (no tables): for the migrations' own tests."""
    return _new_db(backend, request, tmp_path, False)[0]


@pytest.fixture
def store(db_url):
    from notebook_ops.scheduler.database import Store

    s = Store(db_url)
    yield s
    s.close()


@pytest.fixture
def add_schedule(store, clock, tmp_path):
    """Insert a schedule straight into the store (the service tests use a fake target)."""
    from notebook_ops.scheduler.cron import Cron
    from notebook_ops.model.contracts.schedules import Schedule

    def add(name="job", cron="* * * * *", **kw):
        kw.setdefault("target", str(tmp_path / "job.ipynb"))
        kw.setdefault("workdir", str(tmp_path))
        s = Schedule(name=name, cron=cron, **kw)
        s.next_fire_at = Cron(cron, s.tz).next_after(clock.now())
        return store.add_schedule(s, clock.now())

    return add


@pytest.fixture
def service(store, clock):
    from notebook_ops.scheduler.service import SchedulerService

    made = []

    def make(**kw):
        kw.setdefault("workers", 4)
        kw.setdefault("command", fake_command)
        svc = SchedulerService(store if "store" not in kw else kw.pop("store"), clock=clock, **kw)
        svc.start()
        made.append(svc)
        return svc

    yield make
    for svc in made:
        for w in list(svc.children.values()):
            w.child.stop()
            w.child.reap_tree()
            try:
                import os
                import signal

                os.killpg(w.child.pid, signal.SIGKILL)
            except OSError:
                pass
