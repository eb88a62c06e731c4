"""Metric targets (``metadata.notebook_ops.metric_targets``, e.g. ``accuracy: ">= 0.9"``),
checked after a run: a miss makes a succeeded run "below_target" (exit code 3)."""
from __future__ import annotations

import operator

from notebook_ops.model.settings import parse_target

_OPS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt, "==": operator.eq}


def check_targets(targets: dict | None, metrics: dict) -> list[dict]:
    """One row per target: ``{metric, condition, value, met}``; a metric never logged is missed."""
    rows = []
    for metric, condition in sorted((targets or {}).items()):
        op, bound = parse_target(condition)
        value = metrics.get(metric)
        met = isinstance(value, (int, float)) and _OPS[op](float(value), bound)
        rows.append({"metric": metric, "condition": condition.strip(), "value": value,
                     "met": bool(met)})
    return rows
