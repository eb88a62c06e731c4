"""A store that goes away (a database restart) does not end the service: it logs the outage once,
keeps trying, and records what happened meanwhile once the database is back (PostgreSQL: the
database refuses connections for a while, its open sessions cut)."""

from __future__ import annotations

import logging
import threading
import time

import pytest

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
        time.sleep(0.5)
        pg_cluster.admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        pg_cluster.admin(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
        clock.advance(minutes=1)  # a firing falls due while the store is away
        time.sleep(1.5)
        assert t.is_alive(), "the service ended on a store error"
        assert any("store is unreachable" in r.message for r in caplog.records)
        pg_cluster.admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        end = time.monotonic() + 60
        while time.monotonic() < end:
            runs = store.list_runs(s.id, limit=0)
            if runs and all(r.final for r in runs):
                break
            time.sleep(0.1)
    finally:
        pg_cluster.admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        svc.stop()
        t.join(30)
    assert [r.state for r in runs] == ["succeeded"]
    assert any("store is back" in r.message for r in caplog.records)
    assert sum("store is unreachable" in r.message for r in caplog.records) == 1
