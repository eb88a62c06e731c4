"""The functions a generated step notebook calls (see ``notebook_ops.execution.stepnb``).

``begin`` checks the parameter values papermill injected against the declared types (a bare
``papermill -p`` run can pass anything), sets ``nbo.context()`` and opens the data store;
``load_inputs`` / ``save_outputs`` move the step's data; ``enter_step`` marks step boundaries in
a single-kernel run. Between ``begin`` and ``end_step`` (or two ``enter_step``) the kernel
observes what the step's code does (``notebook_ops.kernel_side.observe``); ``end_step`` writes it
beside the outputs (``_observed.json``) and hands on the files the step wrote.
"""

from __future__ import annotations

import numbers
import os
import sys
from collections.abc import Sequence

from notebook_ops.errors import ParameterError
from notebook_ops.kernel_side import (
    file_handoff as files,
)
from notebook_ops.kernel_side import (
    helpers,
    library_serializers,
    observe,
    serializers,
)
from notebook_ops.kernel_side import (
    secret_params as secrets_rt,
)
from notebook_ops.kernel_side.data_store import OBSERVED, DataStore, InputError, OutputError
from notebook_ops.kernel_side.fingerprint import content_hash, sha256
from notebook_ops.model.parameters import convert

__all__ = [
    "begin",
    "load_inputs",
    "save_outputs",
    "enter_step",
    "end_step",
    "log_named_metrics",
    "warm",
    "ParameterTypeError",
    "InputError",
    "OutputError",
]


class ParameterTypeError(TypeError):
    """A parameter value does not have the declared type."""


def _coerce(name: str, declared: str, value):
    """The value converted to the declared type (the model's one converter), or
    ParameterTypeError. No eval, ever."""

    try:
        return convert(name, declared or "NoneType", value)
    except ParameterError as exc:
        raise ParameterTypeError(str(exc)) from None


def begin(
    ns: dict,
    *,
    params: dict,
    data_url: str,
    run_id: str,
    step: str,
    mode: str,
    run_dir: str = "",
    project: str = ".",
    upstream: Sequence[str] = (),
    serializers: dict | None = None,
    secrets: Sequence[str] = (),
) -> None:
    """``project``: the project's top folder relative to the kernel's working folder;
    ``upstream``: the steps before this one, in graph order (their handed-on files are put in
    place first; the newest writer wins); ``serializers``: the pipeline's choices
    (``metadata.notebook_ops.serializers``); ``secrets``: the secret parameters, read from the
    kernel's environment (kernel_side/secret_params.py)."""
    for name, declared in params.items():
        if name in ns:
            ns[name] = _coerce(name, declared, ns[name])
    if secrets:
        secrets_rt.load(ns, secrets, lambda name, text: _coerce(name, params.get(name) or "str", text))
    if mode not in ("pipeline", "bundle"):
        raise ValueError(f"_nbo_mode must be 'pipeline' or 'bundle', got {mode!r}")
    for label, val in (
        ("_nbo_data_url", data_url),
        ("_nbo_run_id", run_id),
        ("_nbo_step", step),
        ("_nbo_run_dir", run_dir),
    ):
        if not isinstance(val, str):
            raise ParameterTypeError(f"{label} must be a string, got {type(val).__name__}")

    library_serializers.configure(serializers)
    store = DataStore(data_url)
    helpers.configure(
        mode=mode, run_id=run_id, step=step, run_dir=run_dir, data_url=store.location, store=store
    )
    global _OBSERVE
    _OBSERVE = (project or ".", (store.root if not store.remote else "", run_dir))
    if upstream:
        files.restore_handed(store, list(upstream))
    if step:
        _observe_start(step)


# (project folder, folders whose I/O is the runtime's own) for the observer
_OBSERVE: tuple[str, tuple[str, ...]] = (".", ())


def _observe_start(step: str) -> None:

    project, ignore = _OBSERVE
    run_dir = ignore[1] if len(ignore) > 1 else ""
    ledger = os.path.join(run_dir, observe.LEDGER_DIR) if run_dir else ""
    observe.start(step, root=project, ignore=ignore, ledger=ledger)


def end_step(ns: dict, *, code: str = "", hand_on: bool = False) -> None:
    """End the step's observation: write it to ``<store>/<step>/_observed.json`` (``code``:
    the fingerprint of the step's code, ``execution.observations.step_code_sha256``) and, when a later
    step may need them (``hand_on``), save the files it wrote to the data store."""

    step = helpers.context().step
    try:
        seen = observe.finish(ns)
    except Exception as exc:  # observing must never fail the step it watches
        print(f"notebook-ops: step {step!r} could not be observed: {exc!r}", file=sys.stderr)
        seen = None
    store = helpers.current_store()
    if seen is None or store is None or not step:
        return
    seen["code_sha256"] = code
    with observe.paused():
        if hand_on:
            project = _OBSERVE[0]
            files.hand_on([os.path.join(project, p) for p in seen["writes"]])
        store.write_json((step, OBSERVED), seen)


def warm() -> None:
    """Pay now, while the kernel waits for its step (the pool's preload, execution/kernels.py),
    what the step's first load or save would pay on its critical path: the serialiser registry,
    which reads every installed package's entry points (about 25 ms)."""
    serializers.serializers()


def _store() -> DataStore:
    if helpers.current_store() is None:
        raise RuntimeError("notebook-ops plumbing cell did not run (begin() first)")
    return helpers.current_store()


# What this step received and may hand on changed: name -> (producing step, manifest entry,
# content hash when the value has one). Filled by load_inputs, read by save_outputs.
_RECEIVED: dict[str, tuple[str, dict, str | None]] = {}


def load_inputs(sources: dict, watch: Sequence[str] = ()) -> dict:
    """{name: producing step, or [steps to try, latest first]} -> {name: value}.

    A list names the steps upstream that received the object and may have saved a changed
    version of it (see ``save_outputs``); the first that did is read. Objects that shared
    identity when saved (``data = [train, test]``) share it again. ``watch``: the names to
    check for changes after the step."""

    with observe.paused():  # the data store's reads are the runtime's, not the step's
        return _load_inputs(sources, watch)


def _load_inputs(sources: dict, watch: Sequence[str]) -> dict:

    store = _store()
    found = {
        name: store.find_value(name, [src] if isinstance(src, str) else list(src))
        for name, src in sources.items()
    }
    values = store.load_values(found)
    _RECEIVED.clear()
    for name in watch:
        if name in values:
            step, entry = found[name]
            _RECEIVED[name] = (step, entry, content_hash(values[name]))
    return values


def _changed_in_place(store: DataStore, name: str, value) -> tuple | None:
    """(serialiser, bytes) of a received value the step changed, else None (see fingerprint)."""

    step, entry, before = _RECEIVED[name]
    if before is not None:
        after = content_hash(value)
        if after == before:
            return None
        return serializers.dump(value)
    ser, data = serializers.dump(value)
    if ser.kind == entry.get("kind") and sha256(data) == entry.get("sha256"):
        return None
    if ser.kind == entry.get("kind"):  # some serialisers do not round-trip byte for byte
        _, again = serializers.dump(store.load_value(step, name))
        if again == data:
            return None
    return ser, data


def log_named_metrics(ns: dict, names: list) -> None:
    """Kale's pipeline-metrics: the named variables, when numeric, become metrics."""
    for name in names:
        if name in ns:
            value = ns[name]
            if isinstance(value, numbers.Real):
                helpers.log_metric(name, value)


def save_outputs(ns: dict, names: list, *, metrics: Sequence[str] = (), watch: Sequence[str] = ()) -> None:
    """Write the named variables to the data store (manifest last). A name the step did not
    define is an error naming it; so is a value no serialiser can take.

    ``watch``: received objects a later step may read; one the step changed in a way the
    analysis did not see is saved too, as a new version, and named in a notice."""
    step = helpers.context().step
    missing = [n for n in names if n not in ns]
    if missing:
        raise OutputError(
            f"step {step!r} did not define {', '.join(map(repr, missing))}, which a later step reads"
        )
    log_named_metrics(ns, list(metrics))
    store = _store()
    if step is None:
        raise RuntimeError("notebook-ops plumbing cell did not run (enter_step() first)")
    prepared = {}
    for name in watch:
        if name in names or name not in ns or name not in _RECEIVED:
            continue
        dumped = _changed_in_place(store, name, ns[name])
        if dumped is not None:
            prepared[name] = dumped
    if prepared:
        for name in prepared:
            print(
                f"notebook-ops: step {step!r} changed {name!r} in place, which the analysis did "
                "not see; the steps after it get the changed version",
                file=sys.stderr,
            )
    values = {n: ns[n] for n in names}
    values.update({n: ns[n] for n in prepared})
    store.save_values(step, values, prepared=prepared)


def enter_step(step: str | None, code: str = "") -> None:
    """A single-kernel run moves to ``step`` (None: the end): the previous step's observation
    is written, the next one starts."""
    previous = helpers.context().step
    if previous:
        from IPython import get_ipython  # noqa: PLC0415 - IPython costs 108 ms CPU to import, loaded on first use

        shell = get_ipython()
        end_step(shell.user_ns if shell is not None else {}, code=_CODES.get(previous, ""))
    helpers.set_step(step)
    if step:
        _CODES[step] = code
        _observe_start(step)


_CODES: dict[str, str] = {}  # single-kernel run: step -> its code fingerprint
