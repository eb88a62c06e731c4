"""The store: migrations, SQLite settings, unique firings, atomic claims, locks, default place."""

import subprocess
import sys
from datetime import timedelta

import pytest

from notebook_ops.scheduler.schedule_errors import ScheduleExists, ScheduleNotFound
from notebook_ops.model.contracts.schedules import Schedule, ScheduledRun
from notebook_ops.scheduler.database import HEAD, Store
from notebook_ops.scheduler.db_connect import default_url


def test_migrations_make_the_orm_schema(store):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from pathlib import Path

    import notebook_ops.scheduler.database as st
    from notebook_ops.scheduler.orm import metadata

    script = ScriptDirectory(str(Path(st.__file__).parent / "migrations"))
    assert script.get_current_head() == HEAD == store.revision()
    with store.engine.connect() as c:
        ctx = MigrationContext.configure(c, opts={"version_table": st.VERSION_TABLE})
        assert compare_metadata(ctx, metadata) == []


@pytest.mark.parametrize("backend", ["sqlite"])
def test_sqlite_is_in_wal_mode_with_a_busy_timeout(store):
    with store.engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert c.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


def test_several_processes_create_one_store_at_once(empty_db_url):
    code = f"from notebook_ops.scheduler.database import Store; print(Store({empty_db_url!r}).revision())"
    procs = [
        subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True) for _ in range(4)
    ]
    assert [p.communicate()[0].strip() for p in procs] == [HEAD] * 4
    assert [p.returncode for p in procs] == [0] * 4


def test_default_place_and_env(tmp_path, monkeypatch):
    monkeypatch.delenv("NOTEBOOK_OPS_DB", raising=False)
    monkeypatch.chdir(tmp_path)
    assert default_url() == f"sqlite:///{tmp_path.resolve()}/.notebook_ops/scheduler.db"
    assert default_url(tmp_path / "srv") == f"sqlite:///{tmp_path.resolve()}/srv/.notebook_ops/scheduler.db"
    monkeypatch.setenv("NOTEBOOK_OPS_DB", "postgresql://u@h/db")
    assert default_url() == "postgresql://u@h/db"
    monkeypatch.setenv("NOTEBOOK_OPS_DB", "rel/s.db")
    assert default_url() == f"sqlite:///{tmp_path.resolve()}/rel/s.db"


def test_names_are_unique_and_found_by_name_or_id(store, add_schedule):
    s = add_schedule("nightly")
    assert store.get_schedule("nightly").id == s.id == store.get_schedule(str(s.id)).id
    with pytest.raises(ScheduleExists):
        add_schedule("nightly")
    with pytest.raises(ScheduleNotFound):
        store.get_schedule("nope")
    with pytest.raises(ScheduleNotFound):  # beyond a 32-bit id: a name, not an error
        store.get_schedule("9" * 12)


def test_a_firing_is_recorded_once(store, add_schedule, clock):
    s = add_schedule()
    t = clock.now()
    rows = [ScheduledRun(schedule_id=s.id, scheduled_for=t)]
    assert store.insert_runs(rows, t) == 1
    assert store.insert_runs(rows, t) == 0
    assert Store(store.url).insert_runs(rows, t) == 0  # another connection, same answer
    assert store.count_runs(s.id) == 1


def test_a_claim_is_atomic_between_stores_and_keeps_the_concurrency_limit(store, add_schedule, clock):
    s = add_schedule(max_concurrent=2)
    t = clock.now()
    store.insert_runs(
        [ScheduledRun(schedule_id=s.id, scheduled_for=t + timedelta(seconds=i)) for i in range(3)], t
    )
    other = Store(store.url)
    later = t + timedelta(minutes=1)
    a = store.claim(later, "a", 60, 1)
    b = other.claim(later, "b", 60, 5)
    assert len(a) == 1 and len(b) == 1 and a[0].id != b[0].id  # the limit is 2 running
    assert other.claim(later, "b", 60, 5) == []
    assert store.finish(a[0].id, "a", later, "succeeded")
    assert not store.finish(b[0].id, "a", later, "succeeded")  # not a's lease
    c = other.claim(later, "b", 60, 5)
    assert len(c) == 1 and c[0].attempt == 1 and c[0].owner == "b"


def test_pending_retry_waits_for_not_before(store, add_schedule, clock):
    s = add_schedule()
    t = clock.now()
    store.insert_runs([ScheduledRun(schedule_id=s.id, scheduled_for=t)], t)
    (r,) = store.claim(t, "a", 60, 1)
    assert store.requeue(r.id, "a", t + timedelta(seconds=30), error="boom")
    assert store.claim(t + timedelta(seconds=29), "a", 60, 1) == []
    (r2,) = store.claim(t + timedelta(seconds=30), "a", 60, 1)
    assert r2.id == r.id and r2.attempt == 2 and r2.error is None


def test_locks_expire_and_renew(store, clock):
    t = clock.now()
    assert store.acquire_lock("host", "a", t, 30)
    assert not store.acquire_lock("host", "b", t + timedelta(seconds=10), 30)
    assert store.acquire_lock("host", "a", t + timedelta(seconds=20), 30)  # renewed
    assert not store.acquire_lock("host", "b", t + timedelta(seconds=45), 30)
    assert store.acquire_lock("host", "b", t + timedelta(seconds=51), 30)  # expired
    assert store.lock_owner("host", t + timedelta(seconds=52)) == "b"
    store.release_lock("host", "b")
    assert store.lock_owner("host", t) is None


def test_schedule_round_trip(store, clock, tmp_path):
    s = Schedule(
        name="x",
        target="/t.ipynb",
        cron="0 * * * *",
        tz="Europe/Paris",
        parameters={"day": "{{ scheduled_date }}", "n": 3},
        catchup="all",
        timeout_s=5.5,
        retries=2,
        webhook="http://h/x",
        workdir=str(tmp_path),
        next_fire_at=clock.now(),
    )
    got = store.add_schedule(s, clock.now())
    assert got.parameters == {"day": "{{ scheduled_date }}", "n": 3}
    assert (got.tz, got.catchup, got.timeout_s, got.retries, got.next_fire_at) == (
        "Europe/Paris",
        "all",
        5.5,
        2,
        clock.now(),
    )
    assert got.to_dict()["next_fire_at"] == "2026-03-02T09:00:00Z"


def test_an_older_store_is_upgraded_in_place(empty_db_url, clock):
    """A store made at revision 0001 (before overlap and triggers) opens at HEAD with its rows
    kept."""
    from pathlib import Path

    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    import notebook_ops.scheduler.database as st

    url = empty_db_url
    old = Store(url, migrate=False)
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(st.__file__).parent / "migrations"))
    with old.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.execute(
            text(
                "INSERT INTO schedules (name, target, workdir, cron, tz, parameters, catchup, "
                "max_concurrent, retries, retry_delay_s, paused, created_at, updated_at) VALUES "
                "('legacy', '/t.ipynb', '/tmp', '0 * * * *', 'UTC', '{}', 'once', 1, 0, 30, false, "
                "'2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            )
        )
    assert old.revision() == "0001"
    new = Store(url)
    assert new.revision() == HEAD == "0004"
    s = new.get_schedule("legacy")
    assert (s.overlap, s.cron, s.kind, s.source) == ("queue", "0 * * * *", "cron", None)


@pytest.mark.parametrize("backend", ["postgresql"])
def test_times_stay_utc_whatever_the_server_zone(db_url, clock):
    """Naive UTC in timestamp columns: a session in another zone reads the same instants."""
    tokyo = Store(db_url + "?options=-c%20timezone%3DAsia/Tokyo")
    with tokyo.engine.connect() as c:
        assert c.exec_driver_sql("SHOW timezone").scalar() == "Asia/Tokyo"
    s = tokyo.add_schedule(
        Schedule(name="z", target="/t.ipynb", cron="0 * * * *", next_fire_at=clock.now()), clock.now()
    )
    utc = Store(db_url)
    assert utc.get_schedule("z").next_fire_at == clock.now() == tokyo.get_schedule(s.id).next_fire_at
    assert [x.name for x in utc.due_schedules(clock.now())] == ["z"]
    assert utc.due_schedules(clock.now() - timedelta(microseconds=1)) == []
    tokyo.close()
    utc.close()
