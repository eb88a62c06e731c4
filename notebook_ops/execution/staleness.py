"""Stale steps: which steps of a pipeline, as it is now, a run started now would run again.

The answer is the step cache's own: for each step in graph order, its cache key is computed as
the run computes it (``parallel.key_material``), over a data store made of the cache entries of
the steps already found fresh (what the run would restore), and a step is fresh iff the cache
holds that key. No kernel starts and nothing is hashed twice: the step notebooks are built as
the run builds them and the data files are fingerprinted as the key does (``asset_signature``).

Why a step is stale comes from comparing its key's parts (``cache.key_parts``) with those kept
in the cache entry of its newest successful run. A step after a stale one is stale too (reason
``upstream``): its inputs are known only once that step has run again, and when they come out
byte-identical the cache still reuses it.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from pathlib import Path

from notebook_ops.execution.cache import StepCache, key_parts, step_key
from notebook_ops.execution.options import _base_dir
from notebook_ops.execution.orchestrate import check_pipeline, run_parameters
from notebook_ops.execution.parallel import cacheable, key_material
from notebook_ops.execution.runfolder import run_order
from notebook_ops.execution.stepfiles import asset_signature
from notebook_ops.execution.stepnb import build_step_notebook
from notebook_ops.kernel_side.data_store import MANIFEST, is_url
from notebook_ops.model.contracts.runs import RunRecord
from notebook_ops.model.contracts.stale_view import StalenessView, StaleReason, StaleState, StepStaleness
from notebook_ops.model.pipeline import Pipeline

RUNS_EXAMINED = 50  # run folders read, newest first, looking for each step's last success


class _RestoredStore:
    """The data store a run would start with once the fresh steps are restored: each fresh
    step's folder is its cache entry's ``data/`` (the files the run would link in place)."""

    def __init__(self) -> None:
        self.folders: dict[str, Path] = {}

    def read_json(self, rel: tuple[str, ...], default=None):
        folder = self.folders.get(rel[0])
        if folder is None:
            return default
        try:
            return json.loads(folder.joinpath(*rel[1:]).read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return default

    def manifest(self, step: str) -> dict:
        return self.read_json((step, MANIFEST), default=None) or {}


class _StepNotebooks(dict):
    """The step notebooks as the run builds them, each built when first asked for: a step that
    never ran, or whose cache holds nothing, is decided without one."""

    def __init__(self, pipeline: Pipeline) -> None:
        super().__init__()
        self.pipeline = pipeline

    def __missing__(self, step: str) -> dict:
        self[step] = nb = build_step_notebook(self.pipeline, step)
        return nb


@dataclass
class _Probe:
    """What ``key_material`` reads of a run, for a run not started."""

    pipeline: Pipeline
    store: _RestoredStore
    params: dict
    notebooks: dict


def _last_successes(pipeline: Pipeline, runs_dir: Path) -> dict[str, tuple[str, str]]:
    """step -> (run id, cache key) of the newest run of this pipeline that finished it."""
    out: dict[str, tuple[str, str]] = {}
    if not runs_dir.is_dir():
        return out
    folders = sorted((d for d in runs_dir.iterdir() if d.is_dir()), key=lambda d: d.name, reverse=True)
    # read a second's runs at a time (most lookups end in the newest), each second's in run_order
    for _, same_second in itertools.groupby(folders[:RUNS_EXAMINED], key=lambda d: run_order(d.name, None)):
        if len(out) == len(pipeline.steps):
            break
        records = [r for r in map(RunRecord.read, same_second) if r and r.pipeline == pipeline.name]
        records.sort(key=lambda r: run_order(r.run_id, r.started_at), reverse=True)
        for record in records:
            for name, step in record.steps.items():
                if name not in out and step.status == "succeeded" and step.cache_key:
                    out[name] = (record.run_id, step.cache_key)
    return out


def _meta(entry: Path) -> dict:
    try:
        return json.loads((entry / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _reference_parts(cache: StepCache, pipeline: str, step: str, last) -> dict | None:
    """The key parts of the step's newest successful run (its cache entry's), else of its
    newest cache entry that kept them; None when there are none."""
    if last is not None:
        parts = _meta(cache.entry(pipeline, step, last[1])).get("parts")
        if parts:
            return parts
    folder = cache.root / pipeline / step
    if not folder.is_dir():
        return None
    entries = sorted(
        (d for d in folder.iterdir() if d.is_dir() and not d.name.startswith(".")),
        key=lambda d: d.stat().st_mtime,
        reverse=True,
    )
    for entry in entries:
        parts = _meta(entry).get("parts")
        if parts:
            return parts
    return None


def _changed(now: dict, then: dict, with_inputs: bool) -> tuple[list[StaleReason], list[str]]:
    """(reasons, details): the parts of ``now`` that differ from ``then`` (``with_inputs``
    False: inputs and handed files not compared, they are unknown yet)."""
    reasons: list[StaleReason] = []
    details: list[str] = []

    def note(reason: StaleReason, detail: str) -> None:
        if reason not in reasons:
            reasons.append(reason)
        details.append(detail)

    if now.get("code") != then.get("code"):
        note("code", "code")
    for path in sorted(set(now.get("local_code") or {}) | set(then.get("local_code") or {})):
        if (now.get("local_code") or {}).get(path) != (then.get("local_code") or {}).get(path):
            note("code", f"module {path}")
    if now.get("kernel") != then.get("kernel"):
        note("code", f"kernel {now.get('kernel')}")
    groups: list[tuple[str, StaleReason, str]] = [
        ("params", "parameters", "parameter"),
        ("assets", "files", "file"),
    ]
    if with_inputs:
        groups += [("inputs", "inputs", "input"), ("files", "files", "file")]
    for part, reason, label in groups:
        a, b = now.get(part) or {}, then.get(part) or {}
        for name in sorted(set(a) | set(b)):
            if a.get(name) != b.get(name):
                note(reason, f"{label} {name}")
    return reasons, details


def staleness(pipeline: Pipeline, params: dict | None = None) -> StalenessView:
    """Per step of ``pipeline`` (as edited), whether ``notebook-ops run`` with ``params`` would
    reuse it from the cache now; a pipeline with errors raises ``PipelineInvalid``."""
    check_pipeline(pipeline)
    base = _base_dir(pipeline)
    values, _names, _secrets = run_parameters(pipeline, params or {})
    data_url = (pipeline.settings or {}).get("data_url")
    use_cache = not (data_url and is_url(data_url))  # the cache serves local data stores only
    cache = StepCache(base / ".notebook_ops" / "cache")
    last = _last_successes(pipeline, base / ".notebook_ops" / "runs")
    probe = _Probe(pipeline, _RestoredStore(), values, _StepNotebooks(pipeline))
    view = StalenessView(pipeline=pipeline.name, cache=use_cache)
    order = {name: i for i, name in enumerate(pipeline.step_names)}
    fresh: set[str] = set()
    waits_for: dict[str, set[str]] = {}  # step -> the steps before it that will run
    for step in pipeline.step_names:
        behind: set[str] = set()
        for dep in pipeline.step(step).after:
            behind |= waits_for.get(dep, set())
            if dep in order and dep not in fresh:
                behind.add(dep)
        waits_for[step] = behind
        ahead = sorted(behind, key=order.__getitem__)
        verdict = _verdict(pipeline, step, probe, cache, last.get(step), ahead, use_cache)
        if verdict.state == "fresh":
            fresh.add(step)
        else:
            view.stale.append(step)
        view.steps.append(verdict)
    return view


def _verdict(
    pipeline, step, probe, cache: StepCache, last, behind: list[str], use_cache: bool
) -> StepStaleness:
    """``behind``: the steps before ``step`` that a run now would run (its inputs wait for them)."""
    name = pipeline.name
    cached = (cache.root / name / step).is_dir()  # without an entry it cannot be reused
    ran = last is not None or cached
    state: StaleState = "stale" if ran else "never_run"
    run_id = last[0] if last else None
    if not (use_cache and cacheable(pipeline, step)):
        return StepStaleness(step, state, ["cache_off"], ["runs every time (cache off)"], run_id=run_id)
    if behind:  # its inputs are unknown until those run: compare what can be compared
        then = _reference_parts(cache, name, step, last) if cached else None
        reasons, details = (
            _changed(_parts_without_inputs(pipeline, step, probe), then, False) if then else ([], [])
        )
        reasons.append("upstream")
        details.append(f"upstream {', '.join(behind)} will run")
        return StepStaleness(step, state, reasons, details, upstream=behind, run_id=run_id)
    if not cached:
        if not ran:
            return StepStaleness(step, "never_run")
        gone = "its results are no longer in the cache"
        return StepStaleness(step, "stale", ["unknown"], [gone], run_id=run_id)
    material = key_material(probe, step)
    if material is None:  # a fresh upstream step's entry lacks an input: the run would run it
        return StepStaleness(step, state, ["inputs"], ["an input is missing from the cache"], run_id=run_id)
    entry = cache.lookup(name, step, step_key(*material))
    if entry is not None:
        probe.store.folders[step] = entry / "data"
        return StepStaleness(step, "fresh", run_id=_meta(entry).get("run_id"))
    then = _reference_parts(cache, name, step, last)
    if then is None:
        kept = "its last run kept nothing to compare"
        return StepStaleness(step, "stale", ["unknown"], [kept], run_id=run_id)
    reasons, details = _changed(key_parts(*material), then, with_inputs=True)
    if not reasons:  # same parts, yet no entry: the cache was cleared or pruned
        reasons, details = ["unknown"], ["its results are no longer in the cache"]
    return StepStaleness(step, "stale", reasons, details, run_id=run_id)


def _parts_without_inputs(pipeline, step: str, probe) -> dict:
    """The key parts of ``step`` that do not wait for the steps before it: code, parameters,
    data files read (its inputs' hashes are known only once those steps have run)."""
    s = pipeline.step(step)
    assets = asset_signature(pipeline, s)
    return key_parts(
        probe.notebooks[step],
        {k: probe.params.get(k) for k in sorted(s.parameters_read)},
        {"assets:": assets} if assets else {},
        pipeline.kernel_name,
    )
