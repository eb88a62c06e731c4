"""The step scheduler: steps in graph order, independent ones in parallel up to ``jobs``.

The main thread owns all decisions and the run record; worker threads only execute notebooks
(each in a kernel from the prewarmed pool). Before a step runs, its cache key is computed from
its inputs' stored hashes: a hit (or a step kept from the run being resumed) restores outputs
without a kernel. Failures are retried per the step's options; a step whose upstream did not
succeed is skipped; cancelling (Ctrl-C, ``cancel`` event) stops every kernel. Where a step
executes is the executor's (``executors.py``: a kernel of the local pool, forked or fresh, or a
task on a Dask cluster); everything here is the same for all of them.

A step that ends well releases the steps after it before its own bookkeeping (the record, the
cache, metrics, tracking): their kernels start running while that is written, and the record
still tells the step's end before their start. A step's times are when it was handed to the
executor and when its result was seen, not when the record got to them.
"""

from __future__ import annotations

import logging
import shutil
import time
from concurrent.futures import FIRST_COMPLETED, Future, wait
from pathlib import Path
from typing import TYPE_CHECKING, Any

from notebook_ops.execution.cache import StepCache, key_parts, link_tree, step_key
from notebook_ops.execution.papermill_exec import Outcome
from notebook_ops.execution.record import instant
from notebook_ops.execution.stepfiles import asset_signature, upstream
from notebook_ops.kernel_side.file_handoff import write_notebook_product
from notebook_ops.kernel_side.observe import LEDGER_DIR

if TYPE_CHECKING:
    from notebook_ops.execution.executors import StepExecutor
    from notebook_ops.execution.step_context import StepContext

log = logging.getLogger(__name__)
DONE_OK = ("succeeded", "unselected")  # unselected: not asked for and not cached
DONE_BAD = ("failed", "skipped", "cancelled")


def key_material(run, step: str) -> tuple[dict, dict, dict, str] | None:
    """What the step's cache key hashes, from what is in the run's data store now: (step
    notebook, parameter values it reads, input hashes, kernel); None when an input is missing.
    ``run`` needs ``pipeline``, ``store``, ``params`` and ``notebooks`` (a ``PipelineRun``, or
    ``staleness.py``'s look at the cache without a run)."""
    p = run.pipeline
    s = p.step(step)
    hashes: dict[str, Any] = {}
    candidates = dict(s.input_candidates)
    for name, producer in s.input_sources:
        for source in candidates.get(name, (producer,)):  # the version the step will load
            entry = (run.store.manifest(source).get("outputs") or {}).get(name)
            if entry is not None:
                break
        else:
            return None
        hashes[name] = [source, entry["sha256"]]
    for path, producer in s.files_in:  # files an upstream step wrote for this one
        digest = (run.store.read_json((producer, "_files.json"), default={}) or {}).get(path)
        if digest is None:
            return None
        hashes[f"file:{path}"] = [producer, digest]
    handed: dict = {}  # files upstream steps were observed writing (newest writer wins)
    for up in upstream(p, step):
        for path, digest in (run.store.read_json((up, "_files.json"), default={}) or {}).items():
            handed[path] = [up, digest]
    if handed:
        hashes["handed:"] = dict(sorted(handed.items()))
    assets = asset_signature(p, s)  # the data files it reads from the project
    if assets:
        hashes["assets:"] = assets
    params = {k: run.params.get(k) for k in sorted(s.parameters_read)}
    return run.notebooks[step], params, hashes, p.kernel_name


def cache_key(run, step: str) -> str | None:
    """The step's cache key from what is in the run's data store now (None: an input is
    missing). Also what the run asks before it starts kernels, for its first steps."""
    material = key_material(run, step)
    return None if material is None else step_key(*material)


def cacheable(pipeline, step: str) -> bool:
    """Whether the step's options let the cache skip it."""
    return pipeline.step(step).options.get("cache", True) is not False


class ParallelSteps:
    def __init__(self, run, executor: StepExecutor):
        self.pr = run
        self.executor = executor
        self.p = run.pipeline
        self.rec = run.record
        self.selected = set(run.selected)
        self.state = {n: "pending" for n in self.p.step_names}
        self.running: dict = {}  # future -> step name
        self.retry_at: dict = {}  # step name -> monotonic time it may start again
        self.handed: dict[str, tuple[float, str]] = {}  # step -> when it went to the executor
        self.keys: dict = {}  # step name -> the cache key it started with
        self.parts: dict = {}  # step name -> its key's parts (cache.key_parts), kept with its entry
        local = not run.store.remote
        self.cache = StepCache(run.config.base / ".notebook_ops" / "cache") if local else None
        self.use_cache = run.config.cache and local
        self.resumed = None
        if run.resumed is not None and local:
            self.resumed = (run.resumed, run.resumed.read())

    # --- keys, reuse ---------------------------------------------------------------------------
    def _data_dir(self, step: str) -> Path:
        return Path(self.pr.store.path(step))

    def key(self, step: str) -> str | None:
        material = key_material(self.pr, step)
        if material is None:
            return None
        self.parts[step] = key_parts(*material)
        return step_key(*material)

    def _cacheable(self, step: str) -> bool:
        return self.cache is not None and cacheable(self.p, step)

    def try_reuse(self, step: str, key: str | None) -> bool:
        """Restore a step from the resumed run or the cache; True when it needs no kernel."""
        if key is None or self.cache is None:
            return False
        nb_dest = self.pr.folder.step_notebook(step)
        if self.resumed is not None:
            folder, old = self.resumed
            srec = old.get("steps", {}).get(step) or {}
            src = Path(old.get("options", {}).get("data_url") or folder.data_dir) / step
            if (
                srec.get("status") == "succeeded"
                and srec.get("cache_key") == key
                and (src / "_outputs.json").is_file()
            ):
                dst = self._data_dir(step)
                if dst.exists():
                    shutil.rmtree(dst)
                link_tree(src, dst)
                old_nb = folder.step_notebook(step)
                if old_nb.is_file():
                    shutil.copy2(old_nb, nb_dest)
                self._finish_reused(step, key, f"kept from run {old['run_id']}")
                return True
        if not (self.use_cache and self._cacheable(step)):
            return False
        entry = self.cache.lookup(self.p.name, step, key)
        if entry is None:
            return False
        meta = self.cache.restore(entry, self._data_dir(step), nb_dest)
        self._finish_reused(step, key, f"cached from run {meta.get('run_id')}")
        return True

    def _finish_reused(self, step: str, key: str, note: str) -> None:
        nb = self.pr.folder.step_notebook(step)
        self.state[step] = "succeeded"
        product = self.p.step(step).notebook_product
        if product and nb.is_file():  # the restored notebook where a rerun would write it
            write_notebook_product(self.pr.config.kernel_cwd, product, nb.read_bytes(), self._ledger())
        self.pr.collect_metrics(step, observed=False)
        self.rec.step_finished(
            step,
            "succeeded",
            cached=True,
            cache_key=key,
            reused=note,
            notebook=str(nb) if nb.is_file() else None,
        )
        self.pr.log_step_to_tracker(step)

    # --- running a step --------------------------------------------------------------------
    def start(self, step: str) -> None:
        self._announce(step, *self._launch(step))

    def _launch(self, step: str) -> tuple[Future[Outcome], StepContext]:
        """The step's job handed to the executor (not yet in the record: ``_announce``)."""
        d = self._data_dir(step)
        if not self.pr.store.remote and d.exists():
            shutil.rmtree(d)  # nothing stale from an earlier attempt
        ctx = self.pr.step_context(step)
        self.handed[step] = instant()  # the step's time counts from here (its task may start now)
        return self.executor.submit(ctx), ctx

    def _announce(self, step: str, fut: Future[Outcome], ctx: StepContext) -> None:
        self.state[step] = "running"
        self.rec.step_started(step, at=self.handed.pop(step, None))
        s = self.rec.step(step)
        s["notebook"] = str(ctx.out_path)
        s["log"] = str(ctx.log_path)
        s["worker"] = None  # set when the executor tells where it ran
        self.running[fut] = step

    def _ends_well(self, step: str, outcome: Outcome) -> bool:
        """Whether ``completed`` will call the step a success."""
        return (
            outcome.ok
            and not self.pr.config.cancel.is_set()
            and self.pr.store.exists((step, "_outputs.json"))
        )

    def _launch_released(self, done_well: list[str]) -> list[tuple[str, Future[Outcome], StepContext]]:
        """Launch the steps that ``done_well`` (steps that just ended well) release and that need
        a kernel; a step the cache or the resumed run may restore is left to ``_advance``."""
        for step in done_well:
            self.state[step] = "succeeded"  # what completed() records next
        released = {n for n in self.p.step_names if set(self.p.step(n).after) & set(done_well)}
        launched: list[tuple[str, Future[Outcome], StepContext]] = []
        for step in self.p.step_names:
            if len(self.running) + len(launched) >= self.pr.config.jobs:
                break
            if step not in released or self.state[step] != "pending" or step not in self.selected:
                continue
            deps = self.p.step(step).after
            if step in self.retry_at or not all(self.state[d] in DONE_OK for d in deps):
                continue
            key = self.key(step)
            if self._reusable(step, key) or self._missing_inputs(step):
                continue
            self.keys[step] = key
            launched.append((step, *self._launch(step)))
        return launched

    def _reusable(self, step: str, key: str | None) -> bool:
        """Whether ``try_reuse`` might restore the step (without restoring anything)."""
        if key is None or self.cache is None:
            return False
        if self.resumed is not None:
            return True
        return (
            self.use_cache and self._cacheable(step) and self.cache.lookup(self.p.name, step, key) is not None
        )

    def completed(self, step: str, outcome: Outcome, key: str | None, seen=None) -> None:
        """Record the step's outcome (``seen``: when its result came back, ``instant()``)."""
        if outcome.worker:
            self.rec.step(step)["worker"] = outcome.worker
            for part in ("queued_s", "startup_s", "code_s"):  # a Dask task's times (cluster_task.py)
                self.rec.step(step)[part] = getattr(outcome, part)
        self.rec.add_usage(step, outcome.cpu_s, outcome.peak_mem_mb)
        if outcome.ok and not self.pr.store.exists((step, "_outputs.json")):
            outcome = Outcome(False, "the step ended without saving its outputs", ename="OutputsMissing")
        if self.pr.config.cancel.is_set():
            self.state[step] = "cancelled"
            self.rec.step_finished(step, "cancelled", error="cancelled", at=seen)
            self.pr.log_step_to_tracker(step)
            return
        if not outcome.ok:
            opts = self.p.step(step).options
            attempts = self.rec.step(step)["attempts"]
            if attempts <= int(opts.get("retries") or 0):
                self.state[step] = "pending"
                self.retry_at[step] = time.monotonic() + float(opts.get("retry_delay") or 0)
                self.rec.step(step).update(status="pending", error=f"attempt {attempts}: {outcome.error}")
                self.rec.save("step_retry", step)
                return
            self.state[step] = "failed"
            self.pr.collect_metrics(step)
            self.rec.step_finished(
                step, "failed", error=outcome.error, cell=outcome.cell, cache_key=key, at=seen
            )
            self.pr.log_step_to_tracker(step)
            return
        self.state[step] = "succeeded"
        self._save_notebook_product(step)
        self.pr.collect_metrics(step)
        self.rec.step_finished(step, "succeeded", cache_key=key, at=seen)
        if key is not None and self.cache is not None and self._cacheable(step):
            try:
                self.cache.store(
                    self.p.name,
                    step,
                    key,
                    self._data_dir(step),
                    self.pr.folder.step_notebook(step),
                    {
                        "run_id": self.rec.data["run_id"],
                        "duration_s": self.rec.step(step)["duration_s"],
                        "parts": self.parts.get(step),
                    },
                )
            except OSError as exc:
                log.warning("could not cache step %s: %s", step, exc)
        self.pr.log_step_to_tracker(step)

    def _ledger(self) -> str:
        return str(self.pr.folder.path / LEDGER_DIR)

    def _save_notebook_product(self, step: str) -> None:
        """A Ploomber task's ``nb`` product: its executed notebook, written after the kernel."""
        product = self.p.step(step).notebook_product
        nb = self.pr.folder.step_notebook(step)
        if product and nb.is_file():
            write_notebook_product(self.pr.config.kernel_cwd, product, nb.read_bytes(), self._ledger())

    # --- the loop --------------------------------------------------------------------------
    def _missing_inputs(self, step: str) -> str | None:
        for name, producer in self.p.step(step).input_sources:
            if self.state.get(producer) != "succeeded":
                return (
                    f"input {name!r} comes from step {producer!r}, which did not run in this "
                    f"run and has no cached outputs; add {producer!r} to --steps or run it "
                    "first"
                )
        return None

    def _advance(self) -> bool:
        """Start, reuse or skip every step that can move now; True if anything changed."""
        changed = False
        now = time.monotonic()
        for step in self.p.step_names:
            if self.state[step] != "pending" or self.pr.config.cancel.is_set():
                continue
            deps = self.p.step(step).after
            bad = [d for d in deps if self.state[d] in DONE_BAD]
            if bad:
                self.state[step] = "skipped"
                self.rec.step_finished(step, "skipped", error=f"upstream step {bad[0]!r} did not succeed")
                changed = True
                continue
            if not all(self.state[d] in DONE_OK for d in deps):
                continue
            if self.retry_at.get(step, 0) > now:
                continue
            key = self.key(step)
            if step not in self.retry_at and self.try_reuse(step, key):
                changed = True
                continue
            if step not in self.selected:
                self.state[step] = "unselected"
                self.rec.step_finished(step, "skipped", error="not selected and not cached")
                changed = True
                continue
            missing = self._missing_inputs(step)
            if missing:
                self.state[step] = "failed"
                self.rec.step_started(step)
                self.rec.step_finished(step, "failed", error=missing)
                changed = True
                continue
            if len(self.running) >= self.pr.config.jobs:
                continue
            self.keys[step] = key
            self.start(step)
            changed = True
        return changed

    def _want_kernels(self) -> int:
        waiting = sum(1 for s in self.p.step_names if self.state[s] == "pending" and s in self.selected)
        return min(self.pr.config.jobs, waiting)

    def run(self) -> None:
        cancel = self.pr.config.cancel
        try:
            while True:
                while self._advance():
                    pass
                if cancel.is_set():
                    self._cancel()
                if not self.running and not any(st == "pending" for st in self.state.values()):
                    break
                self.executor.keep_ready(self._want_kernels())
                if self.running:
                    done, _ = wait(list(self.running), timeout=0.25, return_when=FIRST_COMPLETED)
                    seen = instant()
                elif cancel.is_set():
                    break
                else:  # only steps waiting for their retry delay
                    done, seen = set(), instant()
                    time.sleep(0.05)
                self._placed(self.executor.placed())
                finished = []
                for fut in done:
                    step = self.running.pop(fut)
                    try:
                        outcome = fut.result()
                    except Exception as exc:  # a bug or a kernel that would not start
                        outcome = Outcome(False, f"{type(exc).__name__}: {exc}", ename=type(exc).__name__)
                    finished.append((step, outcome))
                launched = self._launch_released([s for s, o in finished if self._ends_well(s, o)])
                for step, outcome in finished:
                    self.completed(step, outcome, self.keys.get(step), seen)
                for step, fut, ctx in launched:
                    self._announce(step, fut, ctx)
        except KeyboardInterrupt:
            cancel.set()
            self._cancel()
            raise

    def _placed(self, starts: list[dict]) -> None:
        """Steps that started on a worker: the worker is recorded; a second start of one task
        means Dask moved it off a lost worker, an attempt of the step (failed past its retries)."""
        for msg in starts:
            step = msg.get("step")
            if self.state.get(step) != "running":
                continue
            s = self.rec.step(step)
            previous = s.get("worker")
            s["worker"] = msg.get("name")
            if previous is None:
                self.rec.save()
                continue
            retries = int(self.p.step(step).options.get("retries") or 0)
            lost = f"worker {previous} was lost while running the step"
            if s["attempts"] > retries:
                self.executor.fail_lost(str(step), f"{lost} (retries: {retries})")
                continue
            s["attempts"] += 1
            s["error"] = f"attempt {s['attempts'] - 1}: {lost}; running again on {s['worker']}"
            self.rec.save("step_retry", step)

    def _cancel(self) -> None:
        """Stop every running kernel; the workers then return and the steps are cancelled."""
        self.executor.cancel()
        for fut, step in list(self.running.items()):
            try:
                fut.result(timeout=30)
            except Exception:
                pass
            self.running.pop(fut, None)
            self.state[step] = "cancelled"
            self.rec.step_finished(step, "cancelled", error="cancelled")
