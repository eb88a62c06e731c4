"""A step that ends well releases the steps after it before its own bookkeeping (execution/
parallel.py): the next step's kernel is already running while the record, the cache and the
tracking of the one before are written, and the record still tells one's end before the other's
start. Real kernels; the bookkeeping is made slow by a progress callback that takes a second."""

from __future__ import annotations

import datetime
import json
import time

import pytest

from conftest import write_nb
from notebook_ops.execution import run_notebook

pytestmark = pytest.mark.timeout(900)

CELLS = [
    ("import json", ["setup"]),
    ("a = 1", ["step:first"]),
    ("b = a + 1\nprint(b)", ["step:second", "after:first"]),
    ("c = b * 10\nprint(c)", ["step:third", "after:second"]),
]
SLOW = 1.5  # seconds the callback takes at the first step's end


def test_the_next_step_runs_while_the_one_before_is_recorded(tmp_path):
    nb = write_nb(tmp_path, "chain.ipynb", CELLS)
    events: list[tuple[str, str | None, float]] = []

    def progress(ev: dict) -> None:
        events.append((ev["event"], ev.get("step"), time.time()))
        if ev["event"] == "step_finished" and ev.get("step") == "first":
            time.sleep(SLOW)  # slow bookkeeping: a tracker, a slow disk

    res = run_notebook(nb, cache=False, track=False, progress=progress)
    assert res.status == "succeeded", res.record["error"]
    order = [(e, s) for e, s, _ in events if e in ("step_started", "step_finished")]
    assert order == [
        ("step_started", "first"),
        ("step_finished", "first"),
        ("step_started", "second"),
        ("step_finished", "second"),
        ("step_started", "third"),
        ("step_finished", "third"),
    ]
    first_done = next(t for e, s, t in events if (e, s) == ("step_finished", "first"))
    second = json.loads((res.run_dir / "steps" / "second.ipynb").read_text())
    began = datetime.datetime.fromisoformat(second["metadata"]["papermill"]["start_time"]).timestamp()
    # launched before the first step's bookkeeping, not after the callback's SLOW seconds
    assert began < first_done + SLOW, began - first_done
    printed = ["".join(o.get("text", "")) for c in second["cells"] for o in c.get("outputs", [])]
    assert "2\n" in printed
    third = json.loads((res.run_dir / "steps" / "third.ipynb").read_text())
    assert "20\n" in ["".join(o.get("text", "")) for c in third["cells"] for o in c.get("outputs", [])]


def _t(stamp: str) -> float:
    return datetime.datetime.fromisoformat(stamp).timestamp()


def test_a_released_steps_time_holds_its_notebook(tmp_path):
    """Its start is when it was handed to a kernel, not when the runner got to recording it after
    the step before's slow bookkeeping; and the one before ended when its result came back."""
    nb = write_nb(tmp_path, "chain.ipynb", CELLS)

    def progress(ev: dict) -> None:
        if ev["event"] == "step_finished" and ev.get("step") == "first":
            time.sleep(SLOW)

    res = run_notebook(nb, cache=False, track=False, progress=progress)
    assert res.status == "succeeded", res.record["error"]
    steps = res.record["steps"]
    for name in ("first", "second", "third"):
        ran = json.loads((res.run_dir / "steps" / f"{name}.ipynb").read_text())["metadata"]["papermill"]
        s = steps[name]
        assert _t(s["started_at"]) <= _t(ran["start_time"]) + 0.01, (name, s, ran)
        assert _t(ran["end_time"]) <= _t(s["finished_at"]) + 0.01, (name, s, ran)
        assert s["duration_s"] >= _t(ran["end_time"]) - _t(ran["start_time"]) - 0.01, (name, s, ran)
    # one's end is told before the other's start
    assert _t(steps["first"]["finished_at"]) <= _t(steps["second"]["started_at"])
