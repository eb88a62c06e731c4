"""Cron times in zones, across DST changes; validation; parameter templates."""

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notebook_ops.scheduler.cron import Cron, check_templates, render
from notebook_ops.scheduler.schedule_errors import ScheduleError

UTC = timezone.utc


def local(c, ts):
    return [t.astimezone(c.tz).strftime("%m-%d %H:%M:%S%z") for t in ts]


def test_five_and_six_fields():
    c = Cron("*/15 9-10 * * 1-5", "UTC")
    got = c.upcoming(datetime(2026, 3, 6, 10, 40, tzinfo=UTC), 3)  # a Friday
    assert [t.isoformat() for t in got] == [
        "2026-03-06T10:45:00+00:00",
        "2026-03-09T09:00:00+00:00",
        "2026-03-09T09:15:00+00:00",
    ]
    s = Cron("*/20 * * * * *", "UTC")  # seconds first
    got = s.upcoming(datetime(2026, 1, 1, 0, 0, 50, tzinfo=UTC), 3)
    assert [t.strftime("%H:%M:%S") for t in got] == ["00:01:00", "00:01:20", "00:01:40"]
    assert Cron("@daily", "UTC").next_after(datetime(2026, 1, 1, 5, tzinfo=UTC)) == datetime(
        2026, 1, 2, tzinfo=UTC
    )


def test_zone_shifts_the_instant():
    c = Cron("0 6 * * *", "Asia/Kolkata")  # UTC+5:30
    assert c.next_after(datetime(2026, 1, 1, tzinfo=UTC)) == datetime(2026, 1, 1, 0, 30, tzinfo=UTC)


def test_spring_forward_fixed_time_fires_once_after_the_jump():
    c = Cron("30 2 * * *", "America/New_York")  # 02:30 does not exist on 2026-03-08
    got = c.upcoming(datetime(2026, 3, 7, 12, tzinfo=UTC), 3)
    assert local(c, got) == ["03-08 03:30:00-0400", "03-09 02:30:00-0400", "03-10 02:30:00-0400"]


def test_spring_forward_interval_keeps_real_rhythm():
    c = Cron("*/30 * * * *", "Europe/Paris")  # 02:00 -> 03:00 on 2026-03-29
    got = c.upcoming(datetime(2026, 3, 29, 0, 0, tzinfo=UTC), 4)  # 01:00 CET
    assert local(c, got) == [
        "03-29 01:30:00+0100",
        "03-29 03:00:00+0200",
        "03-29 03:30:00+0200",
        "03-29 04:00:00+0200",
    ]
    assert [b - a for a, b in zip(got, got[1:], strict=False)] == [timedelta(minutes=30)] * 3


def test_fall_back_fixed_time_fires_once():
    c = Cron("30 1 * * *", "America/New_York")  # 01:30 happens twice on 2026-11-01
    got = c.upcoming(datetime(2026, 10, 31, 12, tzinfo=UTC), 3)
    assert local(c, got) == ["11-01 01:30:00-0400", "11-02 01:30:00-0500", "11-03 01:30:00-0500"]


def test_fall_back_interval_fires_in_both_hours():
    c = Cron("*/30 * * * *", "America/New_York")
    got = c.upcoming(datetime(2026, 11, 1, 4, 15, tzinfo=UTC), 6)  # 00:15 EDT
    assert local(c, got) == [
        "11-01 00:30:00-0400",
        "11-01 01:00:00-0400",
        "11-01 01:30:00-0400",
        "11-01 01:00:00-0500",
        "11-01 01:30:00-0500",
        "11-01 02:00:00-0500",
    ]
    assert [b - a for a, b in zip(got, got[1:], strict=False)] == [timedelta(minutes=30)] * 5


@pytest.mark.parametrize("zone", ["Europe/London", "America/New_York", "Australia/Lord_Howe", "UTC"])
@pytest.mark.parametrize("expr", ["*/20 * * * *", "15 1,2,3 * * *", "0 0 * * 0"])
def test_next_and_prev_agree_over_a_year(zone, expr):
    """Walking a year forward and backward gives the same strictly increasing list."""
    c = Cron(expr, zone)
    start, end = datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    if expr.startswith("*/20"):
        start = datetime(2026, 3, 28, tzinfo=UTC)  # the spring and autumn changes are covered
        end = datetime(2026, 4, 6, tzinfo=UTC)  # (Lord Howe shifts by 30 min in April)
    fwd, t = [], start
    while True:
        t = c.next_after(t)
        if t > end:
            break
        fwd.append(t)
    back, t = [], end
    while True:
        p = c.prev_before(t)
        if p is None or p <= start:
            break
        back.append(p)
        t = p - timedelta(microseconds=1)
    assert fwd == sorted(set(fwd))
    assert fwd == back[::-1]
    for f in fwd:  # every firing is a wall time the expression matches (or, just after a
        wall = f.astimezone(c.tz)  # spring-forward jump, one the jump skipped)
        jump = wall.utcoffset() - (f - timedelta(hours=3)).astimezone(c.tz).utcoffset()
        assert c._croniter.match(expr, wall.replace(tzinfo=None)) or c._croniter.match(
            expr, (wall - jump).replace(tzinfo=None)
        )


@pytest.mark.parametrize(
    "expr,zone,msg",
    [
        ("* * * *", "UTC", "has 4 fields"),
        ("61 * * * *", "UTC", "invalid cron"),
        ("0 0 30 2 *", "UTC", "never fires"),
        ("* * * * *", "Mars/Olympus", "unknown time zone"),
        ("* * * * *", "../etc/passwd", "unknown time zone"),
    ],
)
def test_bad_expressions_and_zones(expr, zone, msg):
    with pytest.raises(ScheduleError, match=msg):
        Cron(expr, zone)


def test_templates_render_the_firing_time_in_the_zone():
    t = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)
    got = render(
        {
            "day": "{{ scheduled_date }}",
            "at": "{{scheduled_time}}",
            "n": 3,
            "u": "{{ scheduled_utc }}",
            "who": "{{ schedule_name }}-x",
        },
        scheduled_for=t,
        tz="Europe/Paris",
        schedule_name="nightly",
    )
    assert got == {
        "day": "2026-07-02",
        "at": "2026-07-02T01:30:00+02:00",
        "n": 3,
        "u": "2026-07-01T23:30:00Z",
        "who": "nightly-x",
    }
    with pytest.raises(ScheduleError, match="unknown template variable"):
        check_templates({"x": "{{ __import__ }}"})
    check_templates({"x": "{ not a template }"})


def test_between_the_jump_and_the_shifted_firing():
    """At 03:10 EDT on the spring-forward day, the skipped 02:30 (fired at 03:30) is still ahead."""
    c = Cron("30 2 * * *", "America/New_York")
    assert c.next_after(datetime(2026, 3, 8, 7, 10, tzinfo=UTC)) == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
    assert c.prev_before(datetime(2026, 3, 8, 7, 40, tzinfo=UTC)) == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
    assert c.prev_before(datetime(2026, 3, 8, 7, 20, tzinfo=UTC)) == datetime(2026, 3, 7, 7, 30, tzinfo=UTC)


ZONES = [
    "UTC",
    "Europe/Paris",
    "America/New_York",
    "Australia/Lord_Howe",
    "America/Santiago",
    "Asia/Kolkata",
    "Pacific/Chatham",
]
FIELD = st.sampled_from(["*", "*/7", "0", "15", "1,2,3", "1-3", "30", "*/20"])


CHANGES = [
    datetime(2026, *md, tzinfo=UTC)
    for md in [  # DST changes (UTC, near enough)
        (3, 8, 7),
        (11, 1, 6),
        (3, 29, 1),
        (10, 25, 1),
        (4, 4, 15),
        (10, 3, 15),
        (4, 5, 3),
        (9, 6, 4),
        (4, 4, 14),
        (9, 26, 14),
    ]
]
NEAR_CHANGE = st.builds(
    lambda c, m: c + timedelta(minutes=m), st.sampled_from(CHANGES), st.integers(-300, 300)
)
ANY_TIME = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31)).map(
    lambda d: d.replace(tzinfo=UTC)
)


@settings(max_examples=120, deadline=None)
@given(
    minute=FIELD,
    hour=st.sampled_from(["*", "1", "2", "1-3", "*/2", "0,12"]),
    zone=st.sampled_from(ZONES),
    t=st.one_of(NEAR_CHANGE, ANY_TIME),
)
def test_next_is_the_first_firing_after(minute, hour, zone, t):
    """No firing lies strictly between t and next_after(t), and prev_before agrees."""
    c = Cron(f"{minute} {hour} * * *", zone)
    n = c.next_after(t)
    assert n > t
    assert c.prev_before(n) == n
    p = c.prev_before(n - timedelta(microseconds=1))
    assert p is None or p <= t
