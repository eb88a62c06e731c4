"""How the schedule store's rows go in and out, in one place: rows to the schedule contracts
(``as_row``) and back (``row_values``), JSON columns, the id a database gave an inserted row,
and an insert that skips a firing already recorded (``database.Store``)."""

from __future__ import annotations

import json

from sqlalchemy.dialects import postgresql, sqlite

from notebook_ops.model.contracts.alerts import AlertSpec
from notebook_ops.model.contracts.base import Contract
from notebook_ops.scheduler import orm
from notebook_ops.scheduler.schedule_errors import StoreError

JSON_COLUMNS = {"parameters": dict, "metrics": dict, "alerts": list}


def as_row(cls, fields_, row):
    """A ``Schedule`` or ``ScheduledRun`` (``cls``) from a database row."""
    data = dict(row._mapping)
    for k, kind in JSON_COLUMNS.items():
        if k in data:
            data[k] = json.loads(data[k]) if data[k] else kind()
    if "alerts" in data:
        data["alerts"] = [AlertSpec.from_dict(a) for a in data["alerts"]]
    return cls(**{k: v for k, v in data.items() if k in fields_ or k == "schedule_name"})


def row_values(obj, fields_, **extra) -> dict:
    """The columns to insert for ``obj`` (its ``fields_`` but the id the database gives), with
    ``extra`` columns set by the store (times)."""
    return {**{k: getattr(obj, k) for k in fields_ if k != "id"}, **extra}


def _plain(value):
    """Contracts inside a JSON column (a schedule's alerts) as their dicts."""
    if isinstance(value, list):
        return [v.to_dict() if isinstance(v, Contract) else v for v in value]
    return value


def json_values(values: dict) -> dict:
    return {
        k: (json.dumps(_plain(v), sort_keys=True, default=str) if k in JSON_COLUMNS else v)
        for k, v in values.items()
    }


def inserted_id(result) -> int:
    """The id the database gave the row just inserted."""
    key = result.inserted_primary_key
    if key is None:
        raise StoreError("the database gave no id for the inserted row")
    return int(key[0])


def insert_ignoring_conflict(dialect: str, values: dict):

    return (
        (sqlite if dialect == "sqlite" else postgresql)
        .insert(orm.runs)
        .values(**json_values(values))
        .on_conflict_do_nothing(index_elements=["schedule_id", "scheduled_for"])
    )
