"""A store that goes away (a database restart) does not end the service: it logs the outage once,
keeps trying, and records what happened meanwhile once the database is back (PostgreSQL: the
database refuses connections for a while, its open sessions cut)."""

from __future__ import annotations

import logging
import threading

import pytest
from waiting import eventually

from .helpers import fake_command


@pytest.mark.parametrize("backend", ["postgresql"])
def test_the_service_outlives_a_store_outage(backend, db_url, store, add_schedule, clock, pg_cluster, caplog):
    from notebook_ops.scheduler.service import SchedulerService

    name = db_url.rsplit("/", 1)[1]
    s = add_schedule("every-minute", "* * * * *", parameters={"sleep": 0})
    svc = SchedulerService(store, clock=clock, command=fake_command, poll_s=0.05)
    caplog.set_level(logging.INFO, logger="notebook_ops.scheduler")
    t = threading.Thread(target=svc.run, daemon=True)
    t.start()
    try:
        clock.passed(3, "the service before the outage")
        pg_cluster.admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        pg_cluster.admin(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
        clock.advance(minutes=1)  # a firing falls due while the store is away
        eventually(
            lambda: any("store is unreachable" in r.message for r in caplog.records) or not t.is_alive(),
            what="the service to notice the outage",
        )
        assert t.is_alive(), "the service ended on a store error"
        clock.passed(10, "the service during the outage")  # it goes on retrying, logging once
        assert t.is_alive(), "the service ended on a store error"
        pg_cluster.admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        runs = eventually(
            lambda: (rs := store.list_runs(s.id, limit=0)) and all(r.final for r in rs) and rs,
            interval=0.1,
            what="the firing due during the outage to settle",
        )
    finally:
        pg_cluster.admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        svc.stop()
        t.join(30)
    assert [r.state for r in runs] == ["succeeded"]
    assert any("store is back" in r.message for r in caplog.records)
    assert sum("store is unreachable" in r.message for r in caplog.records) == 1
