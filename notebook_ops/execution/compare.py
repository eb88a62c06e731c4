"""Two runs side by side: ``notebook-ops runs compare A B`` and ``GET runs/{a}/comparisons/{b}``.

Read from the two run records only (``run.json``), nothing else: the parameters (all of them,
each marked changed or not), the metrics with b - a and each run's verdict against its target,
and per step what happened in each run (outputs reused from the cache, run again, failed, not
run) with its wall time, CPU seconds and peak memory, and whether the step's inputs were the same
(equal cache keys: same code, parameters it reads and upstream data). The CLI and the server
show this one result; the lab renders it.
"""

from __future__ import annotations

import json
from typing import Any

from notebook_ops.model.contracts.runs import (
    MetricComparison,
    ParameterComparison,
    RunComparison,
    RunRecord,
    RunSide,
    StepComparison,
    StepOutcome,
    StepRecord,
    StepSide,
)


def _number(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _delta(a, b, digits: int = 6) -> float | None:
    x, y = _number(a), _number(b)
    return None if x is None or y is None else round(y - x, digits)


def _same(a: Any, b: Any) -> bool:
    """Equal as JSON says them (1 and 1.0 are the same value; key order does not matter)."""
    return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str) or (
        _number(a) is not None and _number(a) == _number(b)
    )


def _side(run: RunRecord) -> RunSide:
    return RunSide(
        run_id=run.run_id,
        status=run.status,
        started_at=run.started_at,
        duration_s=run.duration_s,
        cpu_s=run.cpu_s,
        peak_mem_mb=run.peak_mem_mb,
        commit=run.git.commit,
        bundle_version=(run.tags or {}).get("bundle_version"),
    )


def outcome(step: StepRecord | None) -> StepOutcome:
    """What happened to a step in a run: reused (cached), re-ran, failed, not run, absent."""
    if step is None:
        return "absent"
    if step.status == "succeeded":
        return "reused" if step.cached else "re-ran"
    return "failed" if step.status == "failed" else "not run"


def _step_side(step: StepRecord | None) -> StepSide:
    if step is None:
        return StepSide()
    return StepSide(
        status=step.status,
        cached=step.cached,
        duration_s=step.duration_s,
        cpu_s=step.cpu_s,
        peak_mem_mb=step.peak_mem_mb,
    )


def _steps(a: RunRecord, b: RunRecord) -> list[StepComparison]:
    names = list(b.steps) + [n for n in a.steps if n not in b.steps]
    out = []
    for name in names:
        sa, sb = a.steps.get(name), b.steps.get(name)
        keys = (sa.cache_key if sa else None, sb.cache_key if sb else None)
        ran = sa is not None and sb is not None and not sa.cached and not sb.cached
        out.append(
            StepComparison(
                name=name,
                a=_step_side(sa),
                b=_step_side(sb),
                outcome_a=outcome(sa),
                outcome_b=outcome(sb),
                same_inputs=keys[0] == keys[1] if all(keys) else None,
                duration_delta_s=_delta(sa.duration_s, sb.duration_s, 3) if ran and sa and sb else None,
            )
        )
    return out


def _metrics(a: RunRecord, b: RunRecord) -> list[MetricComparison]:
    targets_a = {t.metric: t for t in a.targets}
    targets_b = {t.metric: t for t in b.targets}
    targeted = [*targets_b, *(m for m in targets_a if m not in targets_b)]
    others = sorted(({*a.metrics, *b.metrics}) - set(targeted))
    out = []
    for name in [*targeted, *others]:
        ta, tb = targets_a.get(name), targets_b.get(name)
        target = tb or ta
        va, vb = a.metrics.get(name), b.metrics.get(name)
        out.append(
            MetricComparison(
                name=name,
                a=va,
                b=vb,
                delta=_delta(va, vb),
                target=target.condition if target else None,
                met_a=ta.met if ta else None,
                met_b=tb.met if tb else None,
            )
        )
    return out


def compare_runs(a: RunRecord, b: RunRecord) -> RunComparison:
    """Run ``a`` (the earlier, usually) against run ``b``: every delta is b - a."""
    names = list(a.parameters) + [n for n in b.parameters if n not in a.parameters]
    missing = object()
    parameters = []
    for name in names:
        va, vb = a.parameters.get(name, missing), b.parameters.get(name, missing)
        changed = va is missing or vb is missing or not _same(va, vb)
        parameters.append(
            ParameterComparison(
                name=name,
                a=None if va is missing else va,
                b=None if vb is missing else vb,
                changed=changed,
            )
        )
    return RunComparison(
        a=_side(a),
        b=_side(b),
        parameters=parameters,
        metrics=_metrics(a, b),
        steps=_steps(a, b),
        duration_delta_s=_delta(a.duration_s, b.duration_s, 3),
        cpu_delta_s=_delta(a.cpu_s, b.cpu_s, 3),
    )
