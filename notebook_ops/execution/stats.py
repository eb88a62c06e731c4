"""What a pipeline's runs cost and gave, per bundle version: ``notebook-ops runs stats``.

Read from the run folders' records (``list_runs``), nothing else: each run is grouped by the
bundle version it ran (``tags.bundle_version``; "notebook" for runs of the notebook itself).
Per group: how many runs ended, the share that succeeded (met their targets too), the mean wall
and CPU time per run (``RunRecord.cpu_s``, execution/usage.py), the cost per run when the pipeline
says what a CPU hour costs (setting ``cost_per_cpu_hour``), and for each metric with a target its
mean and its trend, the last run's value against the first's.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from statistics import fmean

from notebook_ops.model.contracts.runs import FINAL_STATUSES

NOTEBOOK_GROUP = "notebook"  # the runs of the notebook itself, not of a bundle


@dataclass
class MetricTrend:
    runs: int  # runs that logged it
    mean: float
    first: float  # in the group's oldest run that logged it
    last: float  # in its newest
    trend: float  # last - first


@dataclass
class VersionStats:
    version: str  # the bundle version, or "notebook"
    runs: int  # runs that ended (succeeded, below_target, failed, cancelled)
    succeeded: int
    success_rate: float  # succeeded / runs
    mean_wall_s: float | None
    mean_cpu_s: float | None  # over the runs whose CPU time was measured
    max_peak_mem_mb: float | None
    cost_per_run: float | None  # mean_cpu_s / 3600 * cost_per_cpu_hour; None without the setting
    first_run: str | None  # started_at of the oldest and the newest run
    last_run: str | None
    metrics: dict[str, MetricTrend] = field(default_factory=dict)


@dataclass
class RunStats:
    pipeline: str | None  # None: every pipeline under the runs folder
    cost_per_cpu_hour: float | None
    metrics: list[str]  # the metrics with a target
    versions: list[VersionStats]

    def to_dict(self) -> dict:
        return asdict(self)


def _number(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _mean(values) -> float | None:
    values = [v for v in values if v is not None]
    return round(fmean(values), 3) if values else None


def _version_key(version: str) -> tuple:
    """Bundle versions in number order, the notebook's own runs last."""
    if version == NOTEBOOK_GROUP:
        return (2, 0, "")
    return (0, int(version), "") if version.isdigit() else (1, 0, version)


def _trend(runs: list[dict], metric: str) -> MetricTrend | None:
    values = [v for v in (_number((r.get("metrics") or {}).get(metric)) for r in runs) if v is not None]
    if not values:
        return None
    return MetricTrend(
        runs=len(values),
        mean=round(fmean(values), 6),
        first=values[0],
        last=values[-1],
        trend=round(values[-1] - values[0], 6),
    )


def run_stats(
    records: list[dict],
    *,
    pipeline: str | None = None,
    cost_per_cpu_hour: float | None = None,
    target_metrics=(),
) -> RunStats:
    """``records``: run records as ``list_runs`` gives them (any order); those of ``pipeline``
    (None: all) that ended count. ``target_metrics``: metrics to follow besides those the runs'
    own targets name."""
    ended = [
        r
        for r in records
        if r.get("status") in FINAL_STATUSES and (pipeline is None or r.get("pipeline") == pipeline)
    ]
    ended.sort(key=lambda r: str(r.get("started_at") or ""))
    metrics = sorted(
        {
            *target_metrics,
            *(t.get("metric") for r in ended for t in r.get("targets") or [] if t.get("metric")),
        }
    )
    groups: dict[str, list[dict]] = {}
    for r in ended:
        version = (r.get("tags") or {}).get("bundle_version") or NOTEBOOK_GROUP
        groups.setdefault(str(version), []).append(r)
    versions = []
    for version in sorted(groups, key=_version_key):
        runs = groups[version]
        ok = sum(1 for r in runs if r.get("status") == "succeeded")
        mean_cpu = _mean(_number(r.get("cpu_s")) for r in runs)
        peaks = [p for p in (_number(r.get("peak_mem_mb")) for r in runs) if p is not None]
        cost = None
        if cost_per_cpu_hour is not None and mean_cpu is not None:
            cost = float(f"{mean_cpu / 3600 * cost_per_cpu_hour:.6g}")  # small sums keep their digits
        trends = {m: t for m in metrics if (t := _trend(runs, m)) is not None}
        versions.append(
            VersionStats(
                version=version,
                runs=len(runs),
                succeeded=ok,
                success_rate=round(ok / len(runs), 4),
                mean_wall_s=_mean(_number(r.get("duration_s")) for r in runs),
                mean_cpu_s=mean_cpu,
                max_peak_mem_mb=max(peaks) if peaks else None,
                cost_per_run=cost,
                first_run=runs[0].get("started_at"),
                last_run=runs[-1].get("started_at"),
                metrics=trends,
            )
        )
    return RunStats(
        pipeline=pipeline, cost_per_cpu_hour=cost_per_cpu_hour, metrics=metrics, versions=versions
    )
