"""What an alert tells: one ``Occurrence`` per thing that happened (a run failed, a target was
missed, a model was promoted, a firing was missed), built from what the services already have:
a run record (run.json), the promotion the tracking sync made, a ``model.promoted`` event, a
missed firing of a schedule.

An occurrence's ``id`` names the thing, not the message (``run.failed:<run id>``,
``model.promoted:<model>:<version>:<alias>``, ``schedule.missed:<schedule>:<time>``): the run's
own process and the scheduler that watched it build the same id, so the outbox sends one alert
per destination whoever saw it first.
"""

from __future__ import annotations

from dataclasses import dataclass, field

FAILED_STATES = ("failed", "timed_out")  # run.failed; "cancelled" is someone's decision


@dataclass(frozen=True)
class Occurrence:
    id: str
    condition: str  # one of model.contracts.alerts.CONDITIONS
    title: str  # one line: the subject of an e-mail, the header of a chat message
    text: str  # a sentence or two
    facts: dict[str, str] = field(default_factory=dict)  # shown as a table
    pipeline: str | None = None

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "condition": self.condition,
            "title": self.title,
            "text": self.text,
            "facts": dict(self.facts),
            "pipeline": self.pipeline,
        }

    @classmethod
    def from_dict(cls, d: dict) -> Occurrence:
        return cls(
            id=d["id"],
            condition=d["condition"],
            title=d["title"],
            text=d["text"],
            facts=dict(d.get("facts") or {}),
            pipeline=d.get("pipeline"),
        )


def _value(v) -> str:
    return f"{v:g}" if isinstance(v, float) else ("not measured" if v is None else str(v))


def from_run(record: dict, *, schedule: str | None = None) -> list[Occurrence]:
    """``run.failed`` or ``target.missed`` for a final run record (run.json's content, or what
    a scheduler knows of a run that left none: ``run_id``, ``status``, ``error``)."""
    run_id = record.get("run_id")
    status = record.get("status")
    if not run_id or status is None:
        return []
    pipeline = record.get("pipeline")
    who = f"{pipeline or 'pipeline'} run {run_id}"
    facts = {"pipeline": str(pipeline or "-"), "run": str(run_id), "status": str(status)}
    if schedule:
        facts["schedule"] = schedule
    if record.get("run_dir"):
        facts["run folder"] = str(record["run_dir"])
    if status in FAILED_STATES:
        error = str(record.get("error") or status)[:500]
        return [
            Occurrence(
                id=f"run.failed:{run_id}",
                condition="run.failed",
                title=f"notebook-ops: {who} {status.replace('_', ' ')}",
                text=error,
                facts={**facts, "error": error},
                pipeline=pipeline,
            )
        ]
    missed = [t for t in record.get("targets") or [] if t.get("met") is False]
    if status == "below_target" or missed:
        lines = [f"{t['metric']} {_value(t.get('value'))} (target {t.get('condition')})" for t in missed]
        return [
            Occurrence(
                id=f"target.missed:{run_id}",
                condition="target.missed",
                title=f"notebook-ops: {who} missed its metric targets",
                text="; ".join(lines) or "a metric is below its target",
                facts={**facts, **{f"target {t['metric']}": _value(t.get("value")) for t in missed}},
                pipeline=pipeline,
            )
        ]
    return []


def from_promotion(promotion: dict, *, run_id: str | None, pipeline: str | None) -> list[Occurrence]:
    """``model.promoted`` from the tracking sync's promotion result (``promotion.after_run``:
    ``{model, alias, version, promoted, reasons}``); nothing when the gate refused it."""
    if not promotion or not promotion.get("promoted"):
        return []
    return [
        _promoted(
            promotion["model"],
            str(promotion["version"]),
            promotion["alias"],
            run_id=run_id,
            pipeline=pipeline,
            why="; ".join(promotion.get("reasons") or []),
        )
    ]


def _promoted(model, version, alias, *, run_id=None, pipeline=None, why="", by=None) -> Occurrence:
    facts = {"model": model, "version": version, "alias": alias, "run": str(run_id or "-")}
    if by:
        facts["by"] = by
    return Occurrence(
        id=f"model.promoted:{model}:{version}:{alias}",
        condition="model.promoted",
        title=f"notebook-ops: {model} version {version} is now {alias!r}",
        text=why or f"{model} version {version} was promoted to {alias}",
        facts=facts,
        pipeline=pipeline,
    )


def from_event(event: dict) -> list[Occurrence]:
    """From an event of the events package (schema v1): ``run.finished`` (failed / below its
    targets) and ``model.promoted`` (its data: model or name, version, alias, run_id, by,
    why/reasons); other types tell nothing."""
    data = event.get("data") or {}
    if event.get("type") == "run.finished":
        return from_run(
            {
                "run_id": event.get("run_id"),
                "pipeline": event.get("pipeline"),
                "status": data.get("status"),
                "error": data.get("error"),
                "targets": data.get("targets"),
                "run_dir": data.get("run_dir"),
            }
        )
    if event.get("type") == "model.promoted":
        why = data.get("why") or "; ".join(data.get("reasons") or data.get("checks") or [])
        return [
            _promoted(
                data.get("model") or data.get("name"),
                str(data.get("version")),
                data.get("alias"),
                run_id=data.get("run_id") or event.get("run_id"),
                pipeline=event.get("pipeline"),
                why=why,
                by=data.get("by"),
            )
        ]
    return []


def from_missed_firing(schedule_id, schedule_name: str, scheduled_for: str, reason: str) -> Occurrence:
    """``schedule.missed``: a firing recorded missed (no scheduler ran at its time)."""
    return Occurrence(
        id=f"schedule.missed:{schedule_id}:{scheduled_for}",
        condition="schedule.missed",
        title=f"notebook-ops: schedule {schedule_name!r} missed its run for {scheduled_for}",
        text=reason,
        facts={"schedule": schedule_name, "scheduled for": scheduled_for},
    )


def trial_alert(on: list[str], pipeline: str | None = None) -> Occurrence:
    """A test message (the lab's "Send test alert"): says what the destination will be told of,
    so whoever reads it knows it is not an incident. Its id is new each time: never deduplicated."""
    import uuid  # noqa: PLC0415 - only for a test alert

    about = f" for {pipeline}" if pipeline else ""
    return Occurrence(
        id=f"test:{uuid.uuid4().hex[:12]}",
        condition=on[0],
        title=f"notebook-ops: test alert{about}",
        text=f"A test: nothing happened. This destination will be told of: {', '.join(on)}.",
        facts={"conditions": ", ".join(on), **({"pipeline": pipeline} if pipeline else {})},
        pipeline=pipeline,
    )
