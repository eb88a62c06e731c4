"""Several services on one store at the same instant: each check-then-write of the store stays
atomic. On SQLite every transaction is BEGIN IMMEDIATE (one at a time); on PostgreSQL (READ
COMMITTED) the store locks what it checks. Threads, each with its own Store (own connections),
start each round together at a barrier; many rounds, so an unguarded race shows."""

import threading
from datetime import timedelta

from notebook_ops.model.contracts.schedules import ScheduledRun
from notebook_ops.scheduler.database import Store

THREADS = 6


def at_once(url, work, rounds, between=None):
    """Run ``work(store, i, n)`` in THREADS threads, round n = 0.. together; after each round
    ``between(n, results)`` runs alone. -> results[n][i]; no call may raise."""
    stores = [Store(url) for _ in range(THREADS)]
    barrier = threading.Barrier(THREADS + 1)
    out = [[None] * THREADS for _ in range(rounds)]

    def worker(i):
        for n in range(rounds):
            barrier.wait()
            try:
                out[n][i] = work(stores[i], i, n)
            except Exception as exc:  # noqa: BLE001 - the test reports what went wrong
                out[n][i] = exc
            barrier.wait()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(THREADS)]
    for t in threads:
        t.start()
    try:
        for n in range(rounds):
            barrier.wait()  # go
            barrier.wait()  # all done
            if between is not None:
                between(n, out[n])
    except BaseException:
        barrier.abort()  # free the threads, then report
        raise
    finally:
        for t in threads:
            t.join(30)
        for s in stores:
            s.close()
    errors = [x for row in out for x in row if isinstance(x, Exception)]
    assert errors == [], f"{len(errors)} call(s) raised, first: {errors[:1]!r}"
    return out


def test_claims_at_once_never_exceed_max_concurrent(store, add_schedule, clock):
    """A queued schedule with max_concurrent 1: each round its running firing finishes while the
    other services claim, as when a run ends under several services. One runs after, never two."""
    s = add_schedule(max_concurrent=1)
    t, rounds = clock.now(), 40
    store.insert_runs(
        [
            ScheduledRun(schedule_id=s.id, scheduled_for=t + timedelta(seconds=i))
            for i in range(rounds * THREADS)
        ],
        t,
    )
    later = t + timedelta(hours=2)
    running, current = [], store.claim(later, "first", 60, 1)

    def finish_or_claim(st, i, n):
        if i == 0:
            return st.finish(current[0].id, current[0].owner, later, "succeeded")
        return [r.id for r in st.claim(later, f"svc{i}", 60, 3)]

    def count_and_settle(n, row):
        if any(isinstance(x, Exception) for x in row):
            return
        assert row[0] is True
        got = [rid for ids in row[1:] for rid in ids]
        assert len(got) == len(set(got))  # no row claimed twice
        now_running = store.list_runs(s.id, limit=0, states=["running"])
        running.append(len(now_running))
        for r in now_running[1:]:
            store.finish(r.id, r.owner, later, "succeeded")
        current[:] = now_running[:1] or store.claim(later, "main", 60, 1)

    at_once(store.url, finish_or_claim, rounds, count_and_settle)
    assert max(running) == 1, f"running after each round of claims at once: {running}"


def test_the_same_message_recorded_by_services_at_once_is_one_run(store, add_schedule, clock):
    s = add_schedule(kind="trigger", source="pulsar://h:6650/t", subscription="sub")
    t = clock.now()

    def record(st, i, n):
        row = ScheduledRun(
            schedule_id=s.id, scheduled_for=t + timedelta(seconds=n), trigger="message", message_id=f"msg-{n}"
        )
        rec, new = st.record_message(row, t)
        return rec.id, new

    out = at_once(store.url, record, 20)
    for n, row in enumerate(out):
        assert len({rid for rid, _ in row}) == 1, f"round {n}: {row}"
        assert sum(new for _, new in row) == 1, f"round {n}: {row}"
    assert store.count_runs(s.id) == 20


def test_different_messages_at_the_same_instant_get_their_own_firing_times(store, add_schedule, clock):
    s = add_schedule(kind="trigger", source="pulsar://h:6650/t", subscription="sub")
    t = clock.now()

    def record(st, i, n):
        row = ScheduledRun(
            schedule_id=s.id,
            scheduled_for=t + timedelta(seconds=n),
            trigger="message",
            message_id=f"msg-{n}-{i}",
        )
        rec, new = st.record_message(row, t)
        return rec.scheduled_for, new

    out = at_once(store.url, record, 10)
    for n, row in enumerate(out):
        assert all(new for _, new in row)
        assert len({when for when, _ in row}) == THREADS, f"round {n}: {row}"
    assert store.count_runs(s.id) == 10 * THREADS


def test_a_lock_taken_at_once_has_one_owner(store, clock):
    t = clock.now()

    def take(st, i, n):
        return st.acquire_lock(f"host{n}", f"svc{i}", t, 30)

    out = at_once(store.url, take, 20)
    assert [sum(row) for row in out] == [1] * 20
    for n, row in enumerate(out):
        assert store.lock_owner(f"host{n}", t) == f"svc{row.index(True)}"


def test_advance_and_adopt_at_once_succeed_once(store, add_schedule, clock):
    s = add_schedule()
    t = clock.now()
    store.insert_runs(
        [ScheduledRun(schedule_id=s.id, scheduled_for=t + timedelta(seconds=i)) for i in range(10)], t
    )
    runs = store.claim(t + timedelta(hours=1), "dead", 60, 10)
    assert len(runs) == 1  # max_concurrent 1: the others wait
    start = store.get_schedule(s.id).next_fire_at

    def advance(st, i, n):
        old = start + timedelta(minutes=n)
        return st.advance(s.id, old, old + timedelta(minutes=1), t)

    assert [sum(row) for row in at_once(store.url, advance, 10)] == [1] * 10
    assert store.get_schedule(s.id).next_fire_at == start + timedelta(minutes=10)

    owners = ["dead"]
    for n in range(5):
        (row,) = at_once(
            store.url, lambda st, i, _, n=n: st.adopt(runs[0].id, owners[-1], f"svc{n}-{i}", t, 60), 1
        )
        assert sum(row) == 1, f"adoption {n}: {row}"
        owners.append(f"svc{n}-{row.index(True)}")
        assert store.get_run(runs[0].id).owner == owners[-1]
