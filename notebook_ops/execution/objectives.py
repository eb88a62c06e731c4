"""Metric targets (``metadata.notebook_ops.metric_targets``, e.g. ``accuracy: ">= 0.9"``),
checked after a run: a miss makes a succeeded run "below_target" (exit code 3)."""

from __future__ import annotations

import operator

from notebook_ops.model.settings import parse_target

_OPS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt, "==": operator.eq}


def check_targets(targets: dict | None, metrics: dict, *, partial: bool = False) -> list[dict]:
    """One row per target: ``{metric, condition, value, met}``. A metric never logged is missed,
    except in a partial run (``--steps`` / ``--from``), where it is not measured (``met: None``)."""
    rows = []
    for metric, condition in sorted((targets or {}).items()):
        op, bound = parse_target(condition)
        value = metrics.get(metric)
        if value is None and partial:
            met = None
        else:
            met = bool(isinstance(value, (int, float)) and _OPS[op](float(value), bound))
        rows.append({"metric": metric, "condition": condition.strip(), "value": value, "met": met})
    return rows
