"""The functions a generated step notebook calls (see ``notebook_ops.runner.stepnb``).

``begin`` checks the parameter values papermill injected against the declared types (a bare
``papermill -p`` run can pass anything), sets ``nbo.context()`` and opens the data store;
``load_inputs`` / ``save_outputs`` move the step's data; ``enter_step`` marks step boundaries in
a single-kernel run.
"""
from __future__ import annotations

import numbers

from notebook_ops.runtime import helpers
from notebook_ops.runtime.store import DataStore, InputError, OutputError

__all__ = ["begin", "load_inputs", "save_outputs", "enter_step", "log_named_metrics",
           "ParameterTypeError", "InputError", "OutputError"]


class ParameterTypeError(TypeError):
    """A parameter value does not have the declared type."""


def _coerce(name: str, declared: str, value):
    """The value converted to the declared type, or ParameterTypeError. No eval, ever."""
    bad = ParameterTypeError(
        f"parameter {name!r} must be {declared}, got {type(value).__name__} {value!r:.80}")
    if declared in ("NoneType", "", None) or value is None and declared == "NoneType":
        return value
    if declared == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise bad
    if declared == "int":
        if isinstance(value, bool):
            raise bad
        if isinstance(value, numbers.Integral):
            return int(value)
        if isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                raise bad from None
        raise bad
    if declared == "float":
        if isinstance(value, bool):
            raise bad
        if isinstance(value, numbers.Real):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value.strip())
            except ValueError:
                raise bad from None
        raise bad
    if declared == "str":
        if isinstance(value, str):
            return value
        raise bad
    if declared in ("list", "tuple"):
        if isinstance(value, (list, tuple)):
            return list(value) if declared == "list" else tuple(value)
        raise bad
    if declared == "dict":
        if isinstance(value, dict):
            return value
        raise bad
    return value


def begin(ns: dict, *, params: dict, data_url: str, run_id: str, step: str, mode: str,
          run_dir: str = "") -> None:
    for name, declared in params.items():
        if name in ns:
            ns[name] = _coerce(name, declared, ns[name])
    if mode not in ("pipeline", "bundle"):
        raise ValueError(f"_nbo_mode must be 'pipeline' or 'bundle', got {mode!r}")
    for label, val in (("_nbo_data_url", data_url), ("_nbo_run_id", run_id), ("_nbo_step", step),
                       ("_nbo_run_dir", run_dir)):
        if not isinstance(val, str):
            raise ParameterTypeError(f"{label} must be a string, got {type(val).__name__}")
    store = DataStore(data_url)
    helpers._configure(mode=mode, run_id=run_id, step=step, run_dir=run_dir,
                       data_url=store.location, store=store)


def _store() -> DataStore:
    if helpers._STORE is None:
        raise RuntimeError("notebook-ops plumbing cell did not run (begin() first)")
    return helpers._STORE


def load_inputs(sources: dict) -> dict:
    """{name: producing step} -> {name: value}, read from the data store."""
    store = _store()
    return {name: store.load_value(step, name) for name, step in sources.items()}


def log_named_metrics(ns: dict, names: list) -> None:
    """Kale's pipeline-metrics: the named variables, when numeric, become metrics."""
    for name in names:
        if name in ns:
            value = ns[name]
            if isinstance(value, numbers.Real):
                helpers.log_metric(name, value)


def save_outputs(ns: dict, names: list, *, metrics: list = ()) -> None:
    """Write the named variables to the data store (manifest last). A name the step did not
    define is an error naming it; so is a value no serialiser can take."""
    step = helpers.context().step
    missing = [n for n in names if n not in ns]
    if missing:
        raise OutputError(f"step {step!r} did not define {', '.join(map(repr, missing))}, "
                          "which a later step reads")
    log_named_metrics(ns, list(metrics))
    _store().save_values(step, {n: ns[n] for n in names})


def enter_step(step: str | None) -> None:
    helpers._set_step(step)
