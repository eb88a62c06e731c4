"""Cron expressions in a time zone: validation, firing instants across DST, parameter templates.

Expressions are croniter's: 5 fields (minute hour day month weekday), 6 fields with *seconds
first* (``*/10 * * * * *`` = every 10 seconds, as in Quartz, Spring and node-cron), or a macro
(``@hourly``, ``@daily``, ...). Matching is done on the zone's wall clock; a firing is a UTC
instant. Daylight-saving changes follow Vixie cron:

- a wall time that does not exist (clocks jump forward over it) fires once, right after the jump
  (``02:30`` on the spring-forward night fires at ``03:30`` new time), for a job at fixed hours;
  a job whose hour field is a wildcard (``*/15 * * * *``) just has nothing to do in the gap;
- a wall time that happens twice (clocks fall back) fires once, at its first occurrence, for a
  fixed-hour job; a wildcard-hour job fires at both (every real quarter hour keeps firing).

So a daily job fires exactly once every day and an interval job keeps its real rhythm.
croniter's own zone handling (an aware start time) does not: croniter 7 fires the skipped 02:30
at 03:00 and the repeated 01:30 twice (tests/scheduler/test_cron.py, the spring-forward and
fall-back tests), so croniter matches naive wall times here and the zone is applied after.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter

from notebook_ops.scheduler.schedule_errors import ScheduleError
from notebook_ops.util import placeholders as templates

UTC = timezone.utc
_MARGIN = timedelta(hours=3)  # longer than any DST shift (they are 30 or 60 minutes)
TEMPLATE_VARS = ("scheduled_date", "scheduled_time", "scheduled_utc", "schedule_name")


@lru_cache(maxsize=256)
def zone(name: str):
    """A ``ZoneInfo`` for an IANA name (``Europe/Paris``); ``ScheduleError`` for anything else."""

    try:
        if not name or name != name.strip() or name.startswith(("/", ".")) or ".." in name:
            raise ValueError
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(
            f"unknown time zone {name!r}", hint="use an IANA name such as UTC, Europe/Paris, America/New_York"
        ) from None


class Cron:
    """One cron expression in one time zone; yields firing instants as aware UTC datetimes."""

    def __init__(self, expr: str, tz: str = "UTC"):

        self.expr = " ".join(str(expr).split())
        self.tz_name = tz
        self.tz = zone(tz)
        fields = self.expr.split(" ")
        macro = self.expr.startswith("@")
        if not macro and len(fields) not in (5, 6):
            raise ScheduleError(
                f"cron {expr!r} has {len(fields)} fields",
                hint="use 5 fields (min hour day month weekday) or 6 with seconds first",
            )
        self.seconds = len(fields) == 6
        if not croniter.is_valid(self.expr, second_at_beginning=self.seconds):
            raise ScheduleError(
                f"invalid cron expression {expr!r}",
                hint="e.g. '0 6 * * 1-5' (06:00 on weekdays) or '*/10 * * * * *'",
            )
        if macro:
            self.interval_hours = self.expr in ("@hourly",)
        else:
            self.interval_hours = fields[2 if self.seconds else 1].startswith("*")
        self._croniter = croniter
        # a first step both ways proves the expression can ever match (e.g. not "0 0 31 2 *")
        try:
            self.next_after(datetime(2000, 1, 1, tzinfo=UTC))
        except Exception as exc:  # croniter raises several types for impossible dates
            raise ScheduleError(f"cron {expr!r} never fires ({exc})") from None

    def __repr__(self):
        return f"Cron({self.expr!r}, {self.tz_name!r})"

    # wall time -> instants
    def _instants(self, wall: datetime) -> list[datetime]:
        """The UTC instants at which the wall-clock time ``wall`` (naive) fires."""
        first = wall.replace(tzinfo=self.tz, fold=0)
        second = wall.replace(tzinfo=self.tz, fold=1)
        a, b = first.astimezone(UTC), second.astimezone(UTC)
        if a == b:
            return [a]
        # fold=0 and fold=1 differ: either the time is ambiguous (happens twice) or missing
        if first.astimezone(UTC).astimezone(self.tz).replace(tzinfo=None) != wall:
            # missing (gap): fold=0 reads it with the old offset = just after the jump
            return [] if self.interval_hours else [a]
        return sorted({a, b}) if self.interval_hours else [min(a, b)]

    def _offset(self, t: datetime) -> timedelta:
        return t.astimezone(self.tz).utcoffset() or timedelta(0)  # aware: never None

    def _walls(self, start_wall: datetime, backwards: bool = False):
        it = self._croniter(self.expr, start_wall, second_at_beginning=self.seconds)
        step = it.get_prev if backwards else it.get_next
        for _ in range(5_000_000):
            yield step(datetime)
        raise ScheduleError(f"cron {self.expr!r}: no firing found")

    def _shift(self, t: datetime) -> tuple[timedelta, timedelta]:
        """The zone's lowest and highest UTC offsets within the margin around ``t``."""
        offs = [self._offset(t + d) for d in (-_MARGIN, timedelta(0), _MARGIN)]
        return min(offs), max(offs)

    def next_after(self, t: datetime) -> datetime:
        """The first firing strictly after ``t`` (aware)."""
        t = t.astimezone(UTC)
        local = t.astimezone(self.tz).replace(tzinfo=None)
        lo, hi = self._shift(t)
        # far from a DST change, instants grow with wall times: the first match is the answer.
        # Near one, a wall time a little before ``local`` may lie ahead (clocks fall back, or a
        # skipped time fires just after the jump), so walls are read from ``local - shift`` until
        # the earliest instant a wall can have (wall - hi) passes the best found.
        best = None
        for wall in self._walls(local - (hi - lo) - timedelta(microseconds=1)):
            if best is not None and (wall - hi).replace(tzinfo=UTC) > best:
                return best
            for inst in self._instants(wall):
                if inst > t and (best is None or inst < best):
                    best = inst
            if best is not None and lo == hi:
                return best
        raise ScheduleError(f"cron {self.expr!r}: no firing found")  # _walls raises first

    def prev_before(self, t: datetime) -> datetime | None:
        """The last firing at or before ``t`` (aware)."""
        t = t.astimezone(UTC)
        local = t.astimezone(self.tz).replace(tzinfo=None)
        lo, hi = self._shift(t)
        best = None
        for wall in self._walls(local + (hi - lo) + timedelta(microseconds=1), backwards=True):
            if best is not None and (wall - lo).replace(tzinfo=UTC) < best:
                return best
            for inst in self._instants(wall):
                if inst <= t and (best is None or inst > best):
                    best = inst
            if best is not None and lo == hi:
                return best
        raise ScheduleError(f"cron {self.expr!r}: no firing found")  # _walls raises first

    def between(self, start: datetime, end: datetime, limit: int):
        """Firings ``start <= f <= end``, at most ``limit`` of them, and whether more exist."""
        out: list[datetime] = []
        t = start - timedelta(microseconds=1)
        while True:
            t = self.next_after(t)
            if t > end:
                return out, False
            if len(out) >= limit:
                return out, True
            out.append(t)

    def upcoming(self, after: datetime, n: int) -> list[datetime]:
        out, t = [], after
        for _ in range(n):
            t = self.next_after(t)
            out.append(t)
        return out


def check_templates(parameters: dict) -> None:
    """Every placeholder names a firing-time variable (``util/placeholders.py`` is the language)."""
    bad = templates.unknown(parameters, TEMPLATE_VARS)
    if bad:
        raise ScheduleError(
            f"unknown template variable(s) {', '.join(sorted({p for _, p in bad}))}",
            hint="known: " + ", ".join("{{ %s }}" % v for v in TEMPLATE_VARS),
        )


def render(parameters: dict, *, scheduled_for: datetime, tz: str, schedule_name: str) -> dict:
    """Parameter values with ``{{ scheduled_date }}`` etc. filled in.

    The values reach the run as ``-p name=value`` arguments (never a shell, never code); the
    runner converts them to the declared types.
    """
    local = scheduled_for.astimezone(zone(tz))
    values = {
        "scheduled_date": local.date().isoformat(),
        "scheduled_time": local.isoformat(timespec="seconds"),
        "scheduled_utc": scheduled_for.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "schedule_name": schedule_name,
    }
    try:
        return templates.render_all(parameters, values)
    except templates.MissingValue as exc:
        raise ScheduleError(f"unknown template variable {exc.path!r}") from None
