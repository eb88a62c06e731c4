"""Proving a bundle: run it where DevOps will, and compare with the run it came from.

``prove_bundle`` builds (or reuses) a clean env from the bundle's own requirements
(``proofenv``), copies the archive into an empty folder, runs each step as an orchestrator task
does (``python -m notebook_ops run-step ARCHIVE STEP --data STORE``, each in its own empty
folder, one shared store, the source run's parameter values), and compares every step's outputs
and metrics with the source run (``proofcompare``). A step that differs runs once more: if the
two proof runs differ from each other, the difference is unseeded randomness, and it says so.
The result is a ``ProofRecord`` written beside the archive (``<name>-v<N>.proof.json``), never
inside the bundle, so its content hash stays.
"""

from __future__ import annotations

import json
import platform
import re
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from notebook_ops._version import __version__
from notebook_ops.bundle import archive as archive_mod
from notebook_ops.bundle.load import open_bundle
from notebook_ops.bundle.manifest import producers
from notebook_ops.bundle.proofcompare import RTOL, all_equal, compare_files, compare_metrics, compare_outputs
from notebook_ops.bundle.proofenv import ProofEnv, child_env, proof_env
from notebook_ops.cellref import cell_label
from notebook_ops.errors import BundleInvalid, ExecutionError, NotFoundError, ParameterError
from notebook_ops.kernel_side.data_store import DataStore
from notebook_ops.model import load_pipeline
from notebook_ops.model.contracts.proofs import PROOF_SUFFIX, ProofRecord, StepProof
from notebook_ops.model.contracts.runs import DONE_STATUSES, RunRecord
from notebook_ops.model.notebook import sha256_bytes
from notebook_ops.util import atomic

Progress = Callable[[str], None]
StepStarted = Callable[[int, int, str], None]  # (k, n, step): step k of n starts (1-based)
UNSEEDED = "differs from run to run: unseeded randomness (seed it, e.g. np.random.seed / random_state=)"


class ProofFailed(ExecutionError):
    """A step failed or differs in the clean env (exit 1); ``record`` says which and why."""

    def __init__(self, message: str, record: ProofRecord, **kw):
        super().__init__(message, **kw)
        self.record = record


@dataclass
class SourceRun:
    run_id: str
    record: RunRecord
    store: DataStore


# --- where things are ------------------------------------------------------------------------
def proof_path(bundle_path) -> Path:
    """``dist/x-v1`` and ``dist/x-v1.tar.gz`` both have their proof at ``dist/x-v1.proof.json``."""
    p = Path(bundle_path)
    name = p.name
    for suffix in (".tar.gz", ".tgz"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    return p.parent / f"{name}{PROOF_SUFFIX}"


def read_proof(bundle_path) -> ProofRecord | None:
    try:
        data = json.loads(proof_path(bundle_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return ProofRecord.from_dict(data) if isinstance(data, dict) and "bundle" in data else None


def proof_line(record: ProofRecord | None, content_sha256: str) -> str:
    """What ``verify`` prints about the proof beside the bundle."""
    if record is None:
        return "not proven: no proof record beside the bundle (notebook-ops prove BUNDLE)"
    if record.content_sha256 != content_sha256:
        return "proof is for another content (prove this bundle again)"
    if not record.proven:
        return f"not proven: {record.summary}"
    return record.summary


def _archive_of(bundle) -> Path | None:
    src = Path(bundle.source)
    if archive_mod.is_archive(src):
        return src
    sibling = src.parent / f"{src.name}.tar.gz"
    return sibling if sibling.is_file() else None


def _candidate_notebooks(bundle) -> list[Path]:
    """Where the source notebook may be: its recorded path (relative to the git work tree, or
    its bare name outside git) under the bundle's folders upwards and the current folder, or one
    folder below the folder the export wrote ``dist/`` into (``examples/churn.ipynb``)."""
    rel = ((bundle.manifest.get("provenance") or {}).get("source_notebook") or {}).get("path")
    if not rel:
        return []
    start = Path(bundle.source).resolve()
    found = [base / rel for base in [*start.parents, Path.cwd()]]
    for base in {start.parent.parent, Path.cwd()}:
        found.extend(nb for nb in sorted(base.glob(f"*/{rel}")) if not nb.parent.name.startswith("."))
    out: list[Path] = []
    for nb in found:
        if nb.is_file() and nb not in out:
            out.append(nb)
    return out


def _runs_roots(bundle) -> list[Path]:
    roots = [nb.parent / ".notebook_ops" / "runs" for nb in _candidate_notebooks(bundle)]
    roots.append(Path.cwd() / ".notebook_ops" / "runs")
    return [r for i, r in enumerate(roots) if r.is_dir() and r not in roots[:i]]


def _source_from(folder: Path) -> SourceRun | None:
    record = RunRecord.read(folder)
    if record is None:
        return None
    data = record.options.data_url or str(folder / "data")
    return SourceRun(record.run_id, record, DataStore(data))


def _pipeline_hashes(bundle, want) -> set[str]:
    """What runs of the unchanged source record as their ``notebook_hash``: for a pipeline file
    (ours, Ploomber's, Elyra's) the hash of all its sources, not of the file's bytes that the
    manifest's provenance holds."""

    out = set()
    for source in _candidate_notebooks(bundle):
        if source.suffix == ".ipynb" or sha256_bytes(source.read_bytes()) != want:
            continue
        try:
            out.add(load_pipeline(source).notebook_hash)
        except Exception:  # noqa: BLE001 - a source that no longer reads is no source
            continue
    return out


def find_source_run(bundle, run_ref: str | None = None) -> SourceRun | None:
    """The latest successful run of the notebook the bundle came from, with the same content
    (notebook hash), every step of the bundle succeeded in it; or the run ``run_ref`` names
    (an id, or a run folder)."""
    steps = [s["name"] for s in bundle.manifest["steps"]]
    if run_ref:
        if Path(run_ref).is_dir():
            found = _source_from(Path(run_ref))
        else:
            found = next(
                (_source_from(r / run_ref) for r in _runs_roots(bundle) if (r / run_ref).is_dir()), None
            )
        if found is None:
            raise NotFoundError(
                f"--source-run {run_ref}: no such run",
                hint="give a run id of the notebook's runs (notebook-ops runs list) or a run folder",
            )
        return found
    want = ((bundle.manifest.get("provenance") or {}).get("source_notebook") or {}).get("sha256")
    wanted = {want, *_pipeline_hashes(bundle, want)}
    best: SourceRun | None = None
    for root in _runs_roots(bundle):
        for folder in root.iterdir():
            record = RunRecord.read(folder)
            if record is None or record.status not in DONE_STATUSES or record.notebook_hash not in wanted:
                continue
            if any((record.steps.get(s) is None or record.steps[s].status != "succeeded") for s in steps):
                continue
            if best is None or (record.finished_at or "") > (best.record.finished_at or ""):
                best = _source_from(folder)
    return best


# --- running the steps -----------------------------------------------------------------------
def graph_order(manifest: dict) -> list[str]:
    """Steps so that each comes after every step it follows or reads from."""

    steps = {s["name"]: s for s in manifest["steps"]}
    deps = {n: set(s.get("after") or ()) | set(producers(s)) for n, s in steps.items()}
    order: list[str] = []
    while len(order) < len(steps):
        ready = [n for n in steps if n not in order and deps[n] <= set(order)]
        if not ready:  # a cycle cannot come out of export; keep the manifest's order
            return list(steps)
        order.extend(ready[:1])
    return order


def _arg(value) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _run_step(env: ProofEnv, archive: Path, step: str, store: Path, work: Path, params: dict) -> dict:
    work.mkdir(parents=True)
    cmd = [str(env.python), "-m", "notebook_ops", "run-step", str(archive), step, "--data", str(store)]
    for name, value in params.items():
        cmd += ["--param-value", name, _arg(value)]
    cmd += ["--json", "-q"]
    started = time.monotonic()
    out = subprocess.run(
        cmd,
        cwd=work,
        capture_output=True,
        text=True,
        env=child_env(
            env.python.parent,
            XDG_CACHE_HOME=str(work.parent / ".cache"),
            NOTEBOOK_OPS_RUN_ID=f"proof-{uuid.uuid4().hex[:8]}",
        ),
    )
    result: dict = {}
    try:
        result = json.loads(out.stdout[out.stdout.index("{") :]) if "{" in out.stdout else {}
    except ValueError:
        result = {}
    result["duration_s"] = round(time.monotonic() - started, 2)
    result["returncode"] = out.returncode
    if out.returncode != 0 and not result.get("error"):
        lines = [ln for ln in out.stderr.strip().splitlines() if ln.strip()]
        result["error"] = lines[-1].removeprefix("error: ") if lines else f"exit {out.returncode}"
    return result


def _distribution_of(module: str) -> str:
    from importlib.metadata import packages_distributions  # noqa: PLC0415 - importlib.metadata costs 63 ms CPU to import, loaded on first use

    dists = packages_distributions().get(module) or []
    return dists[0] if dists else module


def diagnose(step: str, error: str, cell) -> str:
    """One line: what was missing where the bundle runs, and the fix."""
    at = f" (notebook {cell_label(cell)})" if cell is not None else ""
    m = re.search(r"No module named '([\w.]+)'", error)
    if m:
        module = m.group(1).split(".")[0]
        dist = _distribution_of(module)
        imported = f" (imported in notebook {cell_label(cell)})" if cell is not None else ""
        return (
            f"step {step}: module '{module}' is not in requirements.txt{imported}: install "
            f"{dist} in the notebook's environment and export again"
        )
    m = re.search(r"No such file or directory: '([^']+)'", error)
    if m:
        return (
            f"step {step}: file '{m.group(1)}' is missing where the bundle runs{at}: keep it in the "
            "project so export ships it, or write it in an upstream step"
        )
    m = re.search(r"no such table: (\w+)", error)
    if m or "unable to open database file" in error:
        what = f"SQLite table '{m.group(1)}'" if m else "the SQLite database it opens"
        return (
            f"step {step}: {what} is missing where the bundle runs{at}: the database file was not "
            "handed on; write it in an upstream step (export hands it through the data store) or "
            "keep it in the project"
        )
    return (
        f"step {step} fails in a clean environment{at}: {error} (it ran in the notebook's "
        "environment: compare that environment with requirements.txt)"
    )


def _rerun_differs(env, archive, step, store: Path, tmp: Path, params) -> bool | None:
    """Run ``step`` once more on a copy of its inputs: True when the two proof runs differ."""
    again = tmp / f"again-{step}"
    again.mkdir()
    for child in store.iterdir():
        if child.is_dir() and child.name != step:
            shutil.copytree(child, again / child.name)
    result = _run_step(env, archive, step, again, tmp / f"work-again-{step}", params)
    if result.get("returncode") != 0:
        return None
    a, b = DataStore(str(store)), DataStore(str(again))
    first = compare_outputs(step, b, a) + compare_files(step, b, a)
    metrics = compare_metrics(result.get("metrics") or {}, _metrics(a, step))
    return not all_equal(first + metrics)


def _metrics(store: DataStore, step: str) -> dict:
    return {m["name"]: m["value"] for m in store.read_json((step, "_metrics.json"), default=[]) or []}


def _summary(rec: ProofRecord, order: list[str]) -> str:
    n = len(order)
    where = f"{rec.date[:10]}, Python {rec.python}, {rec.platform}"
    if rec.proven and rec.source_run:
        return f"proven {where}: {rec.steps_equal}/{n} steps equal to run {rec.source_run}"
    if rec.proven:
        return f"proven to run {where}: {n}/{n} steps ran (no source run to compare with)"
    bad = next(s for s in order if rec.steps[s].status not in ("equal", "ran"))
    return rec.steps[bad].problem or f"step {bad}: {rec.steps[bad].status}"


def prove_bundle(
    bundle_path,
    *,
    source_run: str | None = None,
    python: str | None = None,
    builder: str | None = None,
    cache: Path | None = None,
    rtol: float = RTOL,
    progress: Progress | None = None,
    on_step: StepStarted | None = None,
    write: bool = True,
) -> ProofRecord:
    """Prove the bundle at ``bundle_path`` (folder or archive); returns the record (written
    beside the archive). Raises ``ProofFailed`` (exit 1) when a step fails or differs.
    ``progress`` gets one line per stage; ``on_step(k, n, step)`` is told as step k of n starts
    (a face that shows progress as data, the lab's, needs no parsing of the lines)."""

    say = progress or (lambda _line: None)
    started = time.monotonic()
    try:
        bundle = open_bundle(bundle_path)  # verified: bad input fails here, before any work
    except BundleInvalid as exc:  # a tampered or unreadable bundle is bad input here (exit 2)
        raise ParameterError(exc.message, path=exc.path, hint=exc.hint) from None
    manifest = bundle.manifest
    source = find_source_run(bundle, source_run)
    params = {}
    if source is not None:
        # a secret is recorded as *** : each step takes it from NOTEBOOK_OPS_SECRET_<NAME> here
        declared = {p["name"] for p in manifest["parameters"] if not p.get("secret")}
        params = {k: v for k, v in source.record.parameters.items() if k in declared}
    order = graph_order(manifest)
    with tempfile.TemporaryDirectory(prefix="nbo-prove-") as tmp_name:
        tmp = Path(tmp_name)
        # the bundle alone, as DevOps receive it: its archive (or its folder) in an empty folder
        arch = _archive_of(bundle)
        given = tmp / "bundle" / (arch.name if arch else bundle.folder.name)
        given.parent.mkdir()
        if arch is not None:
            shutil.copy2(arch, given)
        else:
            shutil.copytree(bundle.folder, given)
        with tempfile.TemporaryDirectory(prefix="nbo-prove-req-") as req_dir:
            folder = Path(req_dir)  # requirements.txt and wheels/ only: what the env is built from
            shutil.copy2(bundle.folder / "requirements.txt", folder / "requirements.txt")
            if (bundle.folder / "wheels").is_dir():
                shutil.copytree(bundle.folder / "wheels", folder / "wheels")
            say("building the clean environment from requirements.txt ...")
            with proof_env(folder, python=python, builder=builder, cache=cache) as env:
                say(
                    f"environment: {env.builder}, Python {env.python_version}, "
                    + ("cached" if env.cached else f"built in {env.build_s:.1f} s")
                )
                record = ProofRecord(
                    bundle=manifest["name"],
                    version=int(manifest["version"]),
                    content_sha256=manifest.get("content_sha256", ""),
                    proven=False,
                    date=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    python=env.python_version,
                    platform=f"{platform.system()} {platform.machine()}",
                    env_builder="uv" if env.builder == "uv" else "pip",
                    env_build_s=env.build_s,
                    env_cached=env.cached,
                    source_run=source.run_id if source else None,
                    rtol=rtol,
                    notebook_ops_version=__version__,
                )
                upstream = _upstream(manifest, order)
                _prove_steps(record, env, given, order, upstream, tmp, params, source, rtol, say, on_step)
    record.proven = all(record.steps[s].status in ("equal", "ran") for s in order)
    record.summary = _summary(record, order)
    record.duration_s = round(time.monotonic() - started, 2)
    if write:
        atomic.write_json(proof_path(bundle_path), record.to_dict())
    if not record.proven:
        raise ProofFailed(record.summary, record)
    return record


def _prove_steps(
    record, env, given, order, upstream, tmp: Path, params, source, rtol, say, on_step=None
) -> None:
    store = tmp / "store"
    store.mkdir()
    differing: set[str] = set()
    for i, step in enumerate(order, 1):
        if any(
            record.steps.get(u) and record.steps[u].status in ("failed", "not_run") for u in upstream[step]
        ):
            record.steps[step] = StepProof(status="not_run", problem=f"step {step}: an upstream step failed")
            continue
        say(f"[{i}/{len(order)}] run-step {step} ...")
        if on_step is not None:
            on_step(i, len(order), step)
        result = _run_step(env, given, step, store, tmp / "tasks" / step, params)
        proof = StepProof(status="ran", duration_s=result["duration_s"])
        record.steps[step] = proof
        if result.get("returncode") != 0 or not result.get("ok"):
            proof.status, proof.error = "failed", result.get("error")
            proof.problem = diagnose(step, result.get("error") or "", result.get("cell"))
            say(f"[{i}/{len(order)}] {step}: failed: {proof.problem}")
            continue
        if source is None:
            say(f"[{i}/{len(order)}] {step}: ran in {proof.duration_s:.1f} s")
            continue
        src_metrics = (source.record.steps.get(step).metrics if source.record.steps.get(step) else {}) or {}
        proof.compared = (
            compare_outputs(step, DataStore(str(store)), source.store, rtol)
            + compare_files(step, DataStore(str(store)), source.store)
        ) + compare_metrics(result.get("metrics") or {}, src_metrics, rtol)
        if all_equal(proof.compared):
            proof.status = "equal"
        else:
            differing.add(step)
            first = next(c for c in proof.compared if c.result != "equal")
            bad_up = sorted(differing & upstream[step])
            if bad_up:
                proof.status = "differs"
                proof.problem = f"step {step}: its inputs differ (from step {bad_up[0]})"
            elif _rerun_differs(env, given, step, store, tmp, params):
                proof.status = "unseeded"
                proof.problem = f"step {step}: {first.kind} {first.name!r} {UNSEEDED}"
            else:
                proof.status = "differs"
                proof.problem = (
                    f"step {step}: {first.kind} {first.name!r} differs from run {source.run_id}: "
                    f"{first.detail or first.result} (the bundle's environment gives another result: "
                    "compare requirements.txt with the notebook's environment)"
                )
        say(f"[{i}/{len(order)}] {step}: {proof.status} ({proof.duration_s:.1f} s)")


def _upstream(manifest: dict, order: list[str]) -> dict[str, set[str]]:
    """Every step's transitive upstream steps."""

    direct = {s["name"]: set(s.get("after") or ()) | set(producers(s)) for s in manifest["steps"]}
    up: dict[str, set[str]] = {}
    for step in order:
        up[step] = set(direct.get(step, ()))
        for d in list(up[step]):
            up[step] |= up.get(d, set())
    return up
