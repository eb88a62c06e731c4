"""What an alert tells, from what the services have: run records, the promote setting's result,
events by type (``run.finished``, ``model.promoted``: the shape the events package publishes),
missed firings; each with an id that names the thing, so two processes agree on it."""

from __future__ import annotations

from notebook_ops.alerts.occurrences import from_event, from_missed_firing, from_promotion, from_run


def test_runs_tell_failures_and_missed_targets_and_nothing_else():
    (failed,) = from_run({"run_id": "r1", "pipeline": "churn", "status": "timed_out", "error": "killed"})
    assert failed.id == "run.failed:r1"
    assert (
        failed.condition == "run.failed" and "timed out" in failed.title and failed.facts["error"] == "killed"
    )
    (missed,) = from_run(
        {
            "run_id": "r2",
            "status": "below_target",
            "targets": [
                {"metric": "accuracy", "condition": ">= 0.9", "value": 0.5, "met": False},
                {"metric": "f1", "condition": ">= 0.1", "value": 0.7, "met": True},
            ],
        }
    )
    assert missed.id == "target.missed:r2" and missed.text == "accuracy 0.5 (target >= 0.9)"
    assert from_run({"run_id": "r3", "status": "succeeded"}) == []
    assert from_run({"run_id": "r4", "status": "cancelled"}) == []


def test_events_by_type():
    finished = {
        "type": "run.finished",
        "run_id": "r5",
        "pipeline": "churn",
        "data": {"status": "failed", "error": "step train: boom", "targets": [], "run_dir": "/x"},
    }
    assert [o.id for o in from_event(finished)] == ["run.failed:r5"]
    promoted = {
        "type": "model.promoted",
        "pipeline": "churn",
        "run_id": None,
        "data": {
            "model": "churn-clf",
            "version": 4,
            "alias": "champion",
            "previous_version": 3,
            "by": "ana",
            "run_id": "r6",
            "why": "beats the champion",
            "gate": "passed",
            "checks": ["accuracy 0.95 (target >= 0.9): met"],
            "origin": "manual",
        },
    }
    (o,) = from_event(promoted)
    assert o.id == "model.promoted:churn-clf:4:champion" and o.facts["by"] == "ana"
    assert o.facts["run"] == "r6" and o.text == "beats the champion"
    # the same promotion seen by the tracking sync has the same id: told once
    (same,) = from_promotion(
        {"model": "churn-clf", "version": "4", "alias": "champion", "promoted": True},
        run_id="r6",
        pipeline="churn",
    )
    assert same.id == o.id
    assert from_event({"type": "step.finished", "data": {}}) == []


def test_a_missed_firing_names_the_schedule_and_time():
    o = from_missed_firing(7, "nightly", "2026-03-02T09:30:00Z", "6 firing(s) missed")
    assert o.id == "schedule.missed:7:2026-03-02T09:30:00Z" and "nightly" in o.title
