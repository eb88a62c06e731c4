"""Serialisers for what data scientists hand between steps, each in its library's own format.

polars DataFrames and pyarrow Tables go to Arrow IPC; xgboost ``DMatrix`` to its binary buffer
(no pickle can take it: it holds C pointers) and ``Booster`` to UBJSON; LightGBM boosters to
their model text; PyTorch tensors to ``torch.save`` (read back with ``weights_only``) and modules
to ``torch.save`` through cloudpickle (a class defined in the notebook travels with it); Keras
models to the ``.keras`` zip; scikit-learn estimators to skops when the pipeline asks for safe
loading (``"serializers": {"sklearn": "skops"}`` in ``metadata.notebook_ops``), else cloudpickle.

A type test never imports a library: a value can only be an instance of a class its library
defines once that library is imported, so ``_instance_of`` looks in ``sys.modules`` only.
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
from pathlib import Path

from notebook_ops.kernel_side.serializers import Serializer, Unsupported

# The pipeline's choices (``metadata.notebook_ops.serializers``), set by the step's plumbing.
_PREFERENCES: dict[str, str] = {}
SAFE_SKLEARN = "skops"


class UnsafeToLoad(Exception):
    """The value can be written, but the safe loader the pipeline asked for would refuse it."""


def configure(preferences: dict | None) -> None:
    """The pipeline's serialiser choices, e.g. ``{"sklearn": "skops"}`` (None: the defaults)."""
    _PREFERENCES.clear()
    _PREFERENCES.update(preferences or {})


def _instance_of(value, module: str, *names: str) -> bool:
    """``isinstance(value, module.name)`` for any of ``names`` (dotted), without importing."""
    mod = sys.modules.get(module)
    if mod is None:
        return False
    for name in names:
        cls: object = mod
        for part in name.split("."):
            cls = getattr(cls, part, None)
        if isinstance(cls, type) and isinstance(value, cls):
            return True
    return False


def _via_file(suffix: str, write) -> bytes:
    """Bytes of what ``write(path)`` writes (for libraries that only save to a path)."""
    with tempfile.TemporaryDirectory(prefix="nbo-ser-") as tmp:
        path = os.path.join(tmp, "value" + suffix)
        write(path)
        return Path(path).read_bytes()


def _from_file(suffix: str, data: bytes, read):
    with tempfile.TemporaryDirectory(prefix="nbo-ser-") as tmp:
        path = os.path.join(tmp, "value" + suffix)
        Path(path).write_bytes(data)
        return read(path)


# --- polars and pyarrow --------------------------------------------------------------------------
def _dump_polars(value) -> bytes:
    buf = io.BytesIO()
    try:
        value.write_ipc(buf, compression="zstd")
    except Exception as exc:  # object columns and the like: cloudpickle may still take them
        raise Unsupported(str(exc)) from None
    return buf.getvalue()


def _load_polars(data: bytes):
    import polars as pl  # noqa: PLC0415 - optional library, imported only when used

    return pl.read_ipc(io.BytesIO(data))


def _dump_arrow(value) -> bytes:
    import pyarrow as pa  # noqa: PLC0415 - optional library (144 ms), imported only when used

    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, value.schema) as writer:
        writer.write_table(value)
    return sink.getvalue().to_pybytes()


def _load_arrow(data: bytes):
    import pyarrow as pa  # noqa: PLC0415 - optional library (144 ms), imported only when used

    return pa.ipc.open_stream(data).read_all()


# --- xgboost and LightGBM ------------------------------------------------------------------------
def _is_dmatrix(value) -> bool:
    return _instance_of(value, "xgboost", "DMatrix")


def _dump_dmatrix(value) -> bytes:
    try:
        return _via_file(".buffer", lambda path: value.save_binary(path, silent=True))
    except Exception as exc:  # e.g. a DMatrix built from an iterator keeps no data to save
        raise Unsupported(f"DMatrix.save_binary: {exc}") from None


def _load_dmatrix(data: bytes):
    import xgboost as xgb  # noqa: PLC0415 - optional library, imported only when used

    return _from_file(".buffer", data, lambda path: xgb.DMatrix(path))


def _dump_xgb_booster(value) -> bytes:
    return bytes(value.save_raw("ubj"))


def _load_xgb_booster(data: bytes):
    import xgboost as xgb  # noqa: PLC0415 - optional library, imported only when used

    booster = xgb.Booster()
    booster.load_model(bytearray(data))
    return booster


def _dump_lgb_booster(value) -> bytes:
    return value.model_to_string(num_iteration=-1).encode("utf-8")


def _load_lgb_booster(data: bytes):
    import lightgbm as lgb  # noqa: PLC0415 - optional library, imported only when used

    return lgb.Booster(model_str=data.decode("utf-8"))


# --- PyTorch and Keras ---------------------------------------------------------------------------
def _is_tensor(value) -> bool:
    return _instance_of(value, "torch", "Tensor")


def _is_torch_module(value) -> bool:
    return _instance_of(value, "torch", "nn.Module") and not _is_keras(value)


def _dump_torch(value) -> bytes:
    import torch  # noqa: PLC0415 - optional library, imported only when used

    buf = io.BytesIO()
    torch.save(value, buf)
    return buf.getvalue()


def _map_location():
    import torch  # noqa: PLC0415 - optional library, imported only when used

    return None if torch.cuda.is_available() else "cpu"  # a GPU tensor still loads on a CPU task


def _load_tensor(data: bytes):
    import torch  # noqa: PLC0415 - optional library, imported only when used

    return torch.load(io.BytesIO(data), weights_only=True, map_location=_map_location())


def _dump_torch_module(value) -> bytes:
    import cloudpickle  # noqa: PLC0415 - optional library (35 ms), imported only when used
    import torch  # noqa: PLC0415 - optional library, imported only when used

    buf = io.BytesIO()
    torch.save(value, buf, pickle_module=cloudpickle)  # classes from the notebook travel by value
    return buf.getvalue()


def _load_torch_module(data: bytes):
    import torch  # noqa: PLC0415 - optional library, imported only when used

    # a whole module is its class too: weights_only cannot rebuild it (tensors use it)
    return torch.load(io.BytesIO(data), weights_only=False, map_location=_map_location())


def _is_keras(value) -> bool:
    return _instance_of(value, "keras", "Model")


def _dump_keras(value) -> bytes:
    classes = [type(value)] + [type(layer) for layer in getattr(value, "layers", [])]
    own = [c.__qualname__ for c in classes if not c.__module__.startswith("keras")]
    if own:  # the .keras file names classes it cannot carry; cloudpickle is tried next
        raise Unsupported(f"the .keras format needs {', '.join(own)} registered where it loads")
    try:
        return _via_file(".keras", value.save)
    except Exception as exc:
        raise Unsupported(f"keras save: {exc}") from None


def _load_keras(data: bytes):
    import keras  # noqa: PLC0415 - optional library, imported only when used

    return _from_file(".keras", data, keras.models.load_model)


# --- scikit-learn through skops (safe loading, when the pipeline asks) ---------------------------
def _is_sklearn_for_skops(value) -> bool:
    return _PREFERENCES.get("sklearn") == SAFE_SKLEARN and _instance_of(
        value, "sklearn.base", "BaseEstimator"
    )


def _dump_skops(value) -> bytes:
    import skops.io as sio  # noqa: PLC0415 - optional library, imported only when used

    data = sio.dumps(value)
    untrusted = sio.get_untrusted_types(data=data)
    if untrusted:
        raise UnsafeToLoad(
            f"skops (metadata.notebook_ops.serializers.sklearn) would refuse to load "
            f"{', '.join(untrusted)}; define them in a module the bundle ships, or drop the setting"
        )
    return data


def _load_skops(data: bytes):
    import skops.io as sio  # noqa: PLC0415 - optional library, imported only when used

    return sio.loads(data)  # trusts only skops' default types: nothing runs that it has not vetted


BUILTIN: tuple[Serializer, ...] = (
    Serializer("skops", ".skops", _is_sklearn_for_skops, _dump_skops, _load_skops),
    Serializer(
        "polars-ipc",
        ".arrow",
        lambda v: _instance_of(v, "polars", "DataFrame"),
        _dump_polars,
        _load_polars,
    ),
    Serializer(
        "arrow-ipc", ".arrow", lambda v: _instance_of(v, "pyarrow", "Table"), _dump_arrow, _load_arrow
    ),
    Serializer("xgboost-dmatrix", ".buffer", _is_dmatrix, _dump_dmatrix, _load_dmatrix),
    Serializer(
        "xgboost-booster",
        ".ubj",
        lambda v: _instance_of(v, "xgboost", "Booster"),
        _dump_xgb_booster,
        _load_xgb_booster,
    ),
    Serializer(
        "lightgbm-booster",
        ".txt",
        lambda v: _instance_of(v, "lightgbm", "Booster"),
        _dump_lgb_booster,
        _load_lgb_booster,
    ),
    Serializer("keras", ".keras", _is_keras, _dump_keras, _load_keras),
    Serializer("torch-tensor", ".pt", _is_tensor, _dump_torch, _load_tensor),
    Serializer("torch-module", ".pt", _is_torch_module, _dump_torch_module, _load_torch_module),
)
