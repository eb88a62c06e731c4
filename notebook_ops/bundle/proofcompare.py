"""Comparing a step's results in a proof with another run's: outputs and metrics.

Outputs are loaded through the serialisers named in each store's manifest (``_outputs.json``):
equal bytes are equal; else pandas objects compare with ``assert_frame_equal(check_exact=False,
rtol)``, numpy arrays with ``allclose``, numbers within ``rtol``, containers and plain objects
(a fitted estimator) attribute by attribute. A value this process cannot load compares by bytes.
"""

from __future__ import annotations

import math
from typing import Any

from notebook_ops.model.contracts.proofs import ComparedValue
from notebook_ops.kernel_side.data_store import DataStore

RTOL = 1e-6
_DEPTH = 6


def _short(text: str) -> str:
    first = " ".join(str(text).split())
    return first if len(first) <= 160 else first[:157] + "..."


def _numbers_differ(a, b, rtol: float) -> str | None:
    if isinstance(a, bool) or isinstance(b, bool):
        return None if a == b else f"{a!r} != {b!r}"
    if isinstance(a, float) or isinstance(b, float):
        if math.isnan(a) and math.isnan(b):
            return None
        return None if math.isclose(a, b, rel_tol=rtol, abs_tol=rtol * 1e-3) else f"{a!r} != {b!r}"
    return None if a == b else f"{a!r} != {b!r}"


def difference(a: Any, b: Any, rtol: float = RTOL, depth: int = 0) -> str | None:
    """None when ``a`` equals ``b`` (floats within ``rtol``), else a short description."""
    if depth > _DEPTH:
        return None
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return _numbers_differ(a, b, rtol)
    if type(a) is not type(b):
        return f"type {type(a).__name__} != {type(b).__name__}"
    mod = type(a).__module__.split(".")[0]
    if mod == "pandas":
        import pandas as pd  # noqa: PLC0415 - pandas costs 489 ms CPU to import, loaded on first use
        import pandas.testing as pdt  # noqa: PLC0415 - pandas.testing costs 477 ms CPU to import, loaded on first use

        try:
            if isinstance(a, pd.DataFrame):
                pdt.assert_frame_equal(a, b, check_exact=False, rtol=rtol)
            elif isinstance(a, pd.Series):
                pdt.assert_series_equal(a, b, check_exact=False, rtol=rtol)
            elif isinstance(a, pd.Index):
                pdt.assert_index_equal(a, b, exact=True)
            else:
                return None if a == b else "values differ"
        except AssertionError as exc:
            return _short(str(exc))
        return None
    if mod == "numpy":
        import numpy as np  # noqa: PLC0415 - numpy costs 103 ms CPU to import, loaded on first use

        if isinstance(a, np.ndarray):
            if a.shape != b.shape:
                return f"shape {a.shape} != {b.shape}"
            if a.dtype.kind in "fc" or b.dtype.kind in "fc":
                off = ~np.isclose(a, b, rtol=rtol, atol=rtol * 1e-3, equal_nan=True)
            else:
                off = a != b
            n = int(np.sum(off))
            return f"arrays differ ({n} of {a.size} elements)" if n else None
        if isinstance(a, np.generic):
            return difference(a.item(), b.item(), rtol, depth + 1)
    if isinstance(a, dict):
        if set(a) != set(b):
            return f"keys differ: {sorted(map(str, set(a) ^ set(b)))[:5]}"
        for k in a:
            d = difference(a[k], b[k], rtol, depth + 1)
            if d:
                return f"[{k!r}]: {d}"
        return None
    if isinstance(a, (list, tuple)):
        if len(a) != len(b):
            return f"length {len(a)} != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            d = difference(x, y, rtol, depth + 1)
            if d:
                return f"[{i}]: {d}"
        return None
    if isinstance(a, (str, bytes, type(None))):
        return None if a == b else f"{_short(repr(a))} != {_short(repr(b))}"
    if hasattr(a, "__dict__") and vars(a) and type(a).__eq__ is object.__eq__:
        d = difference(vars(a), vars(b), rtol, depth + 1)  # fitted estimators and the like
        return f"attribute {d}" if d else None
    try:
        return None if bool(a == b) else "values differ"
    except Exception:
        return "values differ (not comparable)"


def _load(store: DataStore, step: str, entry: dict):
    try:
        return True, store.load_entry(step, entry)
    except Exception:  # a type this process cannot import: bytes decide
        return False, None


def compare_outputs(
    step: str, proof: DataStore, source: DataStore, rtol: float = RTOL
) -> list[ComparedValue]:
    mine = (proof.manifest(step).get("outputs")) or {}
    theirs = (source.manifest(step).get("outputs")) or {}
    out = []
    for name in sorted(set(mine) | set(theirs)):
        if name not in mine:
            out.append(ComparedValue(name, "output", "missing", "the proof run did not save it"))
            continue
        if name not in theirs:
            out.append(ComparedValue(name, "output", "extra", "the source run did not save it"))
            continue
        a, b = mine[name], theirs[name]
        if a.get("sha256") and a.get("sha256") == b.get("sha256"):
            out.append(ComparedValue(name, "output", "equal"))
            continue
        ok_a, va = _load(proof, step, a)
        ok_b, vb = _load(source, step, b)
        if not (ok_a and ok_b):
            out.append(ComparedValue(name, "output", "differs", "saved bytes differ"))
            continue
        d = difference(va, vb, rtol)
        out.append(ComparedValue(name, "output", "differs" if d else "equal", d))
    return out


def compare_files(step: str, proof: DataStore, source: DataStore) -> list[ComparedValue]:
    """The files a step hands on (``_files.json``: path -> sha256), as outputs named ``file
    PATH``: equal digests are equal (a Ploomber product, a folder pipeline's CSV or database)."""
    mine = proof.read_json((step, "_files.json"), default={}) or {}
    theirs = source.read_json((step, "_files.json"), default={}) or {}
    out = []
    for path in sorted(set(mine) | set(theirs)):
        name = f"file {path}"
        if path not in mine:
            out.append(ComparedValue(name, "output", "missing", "the proof run did not write it"))
        elif path not in theirs:
            out.append(ComparedValue(name, "output", "extra", "the source run did not write it"))
        else:
            same = mine[path] == theirs[path]
            out.append(
                ComparedValue(
                    name, "output", "equal" if same else "differs", None if same else "bytes differ"
                )
            )
    return out


def compare_metrics(mine: dict, theirs: dict, rtol: float = RTOL) -> list[ComparedValue]:
    out = []
    for name in sorted(set(mine) | set(theirs)):
        if name not in mine:
            out.append(ComparedValue(name, "metric", "missing", "the proof run did not log it"))
        elif name not in theirs:
            out.append(ComparedValue(name, "metric", "extra", "the source run did not log it"))
        else:
            d = difference(mine[name], theirs[name], rtol)
            out.append(ComparedValue(name, "metric", "differs" if d else "equal", d))
    return out


def all_equal(values: list[ComparedValue]) -> bool:
    return all(v.result == "equal" for v in values)
