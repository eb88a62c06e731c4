"""Serialisers for values passed between steps: a small registry, tried in order.

pandas DataFrames go to Arrow IPC, numpy arrays to ``.npy``, both memory-mapped when the store is
local (``mapped_formats``); the libraries' own objects (polars, pyarrow, xgboost, LightGBM,
PyTorch, Keras; scikit-learn through skops on request) to their own formats
(``library_serializers``); everything else to pickle protocol 5 through cloudpickle (which also
carries functions and classes defined in a notebook), large buffers out of band. A serialiser
that cannot take a particular value (e.g. a DataFrame with an object column for Arrow, an object
array for ``.npy``) raises ``Unsupported`` and the next one is tried.

Kinds are versions: a manifest names the kind that wrote each file, and kinds no longer written
(``parquet``, ``cloudpickle``: the formats written before the hand-off without copies) stay
loadable, so old cache entries and data stores still read.

Extra serialisers register with ``register()`` or through the ``notebook_ops.serializers``
entry point group (loaded on first use): an entry point names a ``Serializer`` or a function
returning one.
"""

from __future__ import annotations

import io
import pickle
from collections.abc import Callable
from dataclasses import dataclass
from contextlib import AbstractContextManager
from typing import Any, BinaryIO

from notebook_ops.kernel_side import mapped_formats as mapped


class Unsupported(Exception):
    """This serialiser cannot take this value; try the next one."""


Payload = bytes | memoryview  # what ``dump`` gives: bytes, or a flat byte view (no extra copy)


@dataclass(frozen=True)
class Serializer:
    kind: str  # stored in the manifest, picks the loader
    ext: str  # file extension, e.g. ".parquet"
    accepts: Callable[[Any], bool]  # cheap type test (must not import heavy modules)
    dump: Callable[[Any], Payload]
    load: Callable[[Any], Any]  # from bytes or any bytes-like object
    # from a local file, without reading it all (memory-mapped, copy-on-write); None: ``load``
    load_file: Callable[[str], Any] | None = None
    # streams the value into a binary file (the store saves with it: no whole copy in memory);
    # None: the store writes what ``dump`` gives
    write: Callable[[Any, BinaryIO], None] | None = None


def _never(value) -> bool:
    return False


def _module_of(value) -> str:
    return type(value).__module__ or ""


def _is_dataframe(value) -> bool:
    if not _module_of(value).startswith("pandas"):
        return False
    import pandas as pd  # noqa: PLC0415 - pandas costs 489 ms CPU to import, loaded on first use

    return isinstance(value, pd.DataFrame)


def _dump_parquet(value) -> bytes:
    if not all(isinstance(c, str) for c in value.columns):
        raise Unsupported("parquet needs string column names")
    buf = io.BytesIO()
    try:
        value.to_parquet(buf, engine="pyarrow")
    except Exception as exc:  # pyarrow raises several kinds for unsupported dtypes
        raise Unsupported(str(exc)) from None
    return buf.getvalue()


def _load_parquet(data: bytes):
    import pandas as pd  # noqa: PLC0415 - pandas costs 489 ms CPU to import, loaded on first use

    return pd.read_parquet(io.BytesIO(data), engine="pyarrow")


def _is_ndarray(value) -> bool:
    if not _module_of(value).startswith("numpy"):
        return False
    import numpy as np  # noqa: PLC0415 - numpy costs 103 ms CPU to import, loaded on first use

    return type(value) is np.ndarray


def _dump_npy(value) -> bytes:
    buf = io.BytesIO()
    _write_npy(value, buf)
    return buf.getvalue()


def _write_npy(value, f) -> None:
    """``np.save``'s bytes; a contiguous array goes to ``f`` straight from its memory (np.save
    copies it through 16 MiB chunks into anything that is not a plain file)."""
    if value.dtype.hasobject:
        raise Unsupported("object arrays need pickle")
    import numpy as np  # noqa: PLC0415 - numpy costs 103 ms CPU to import, loaded on first use

    raw = None
    if value.ndim and value.size and (value.flags.c_contiguous or value.flags.f_contiguous):
        try:  # Fortran order is saved as the transpose's C order, as np.save does
            raw = memoryview(value if value.flags.c_contiguous else value.T).cast("B")
        except (TypeError, ValueError):  # dtypes the buffer protocol does not export
            raw = None
    if raw is None:
        np.save(f, value, allow_pickle=False)
        return
    header = np.lib.format.header_data_from_array_1_0(value)
    try:
        np.lib.format.write_array_header_1_0(f, header)
    except ValueError:  # a header too long for format 1.0 (huge structured dtypes)
        np.save(f, value, allow_pickle=False)
        return
    f.write(raw)


def _load_npy(data: bytes):
    import numpy as np  # noqa: PLC0415 - numpy costs 103 ms CPU to import, loaded on first use

    return np.load(io.BytesIO(data), allow_pickle=False)


def _dump_pickle(value) -> bytes:
    import cloudpickle  # noqa: PLC0415 - optional library (35 ms), imported only when used

    return cloudpickle.dumps(value)


def _load_pickle(data: bytes):

    return pickle.loads(data)


_REGISTRY: list[Serializer] = [
    Serializer(
        "pandas-arrow",
        ".arrow",
        _is_dataframe,
        mapped.dump_pandas_arrow,
        mapped.load_pandas_arrow,
        mapped.load_pandas_arrow_file,
        mapped.write_pandas_arrow,
    ),
    Serializer("npy", ".npy", _is_ndarray, _dump_npy, _load_npy, mapped.load_npy_file, _write_npy),
    # the formats before the hand-off without copies: read, never written
    Serializer("parquet", ".parquet", _never, _dump_parquet, _load_parquet),
    Serializer("cloudpickle", ".pkl", _never, _dump_pickle, _load_pickle),
    Serializer(
        "pickle5",
        ".pkl5",
        lambda v: True,
        mapped.dump_pickle5,
        mapped.load_pickle5,
        mapped.load_pickle5_file,
        mapped.write_pickle5,
    ),
]
_entry_points_loaded = False
ENTRY_POINT_GROUP = "notebook_ops.serializers"


def register(serializer: Serializer, *, first: bool = True) -> None:
    """Add a serialiser; ``first`` puts it before the built-in ones (pickle stays last)."""
    if first:
        _REGISTRY.insert(0, serializer)
    else:
        _REGISTRY.insert(len(_REGISTRY) - 1, serializer)


def _load_entry_points() -> None:
    """The library built-ins (before cloudpickle), then the entry points (before them)."""
    global _entry_points_loaded
    if _entry_points_loaded:
        return
    _entry_points_loaded = True
    from importlib.metadata import entry_points  # noqa: PLC0415 - importlib.metadata costs 63 ms CPU to import, loaded on first use

    from notebook_ops.kernel_side.library_serializers import BUILTIN  # noqa: PLC0415 - cycle: library_serializers builds on this registry

    for serializer in BUILTIN:
        register(serializer, first=False)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        obj = ep.load()
        register(obj() if callable(obj) and not isinstance(obj, Serializer) else obj)


def serializers() -> list[Serializer]:
    _load_entry_points()
    return list(_REGISTRY)


def by_kind(kind: str) -> Serializer:
    for s in serializers():
        if s.kind == kind:
            return s
    raise KeyError(f"no serialiser for stored kind {kind!r}")


def type_name(value) -> str:
    """``module.Qualname`` of the value's type (``builtins.`` left out)."""
    t = type(value)
    return t.__qualname__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def unsaveable(step: str | None, name: str, value, exc: BaseException) -> str:
    """One line: which value of which step no serialiser could save, why, and the two fixes."""
    from notebook_ops.kernel_side.library_serializers import UnsafeToLoad  # noqa: PLC0415 - cycle: library_serializers builds on this registry

    lines = str(exc).strip().splitlines()
    cause = f"{type(exc).__name__}: {lines[0] if lines else ''}".rstrip(": ")
    head = f"step {step!r}: cannot save output {name!r} ({type_name(value)}): {cause}"
    if isinstance(exc, UnsafeToLoad):
        return head
    return (
        f"{head}; compute it in the step that uses it, or register a serialiser for "
        f"{type_name(value)} (entry point group {ENTRY_POINT_GROUP})"
    )


def dump(value) -> tuple[Serializer, Payload]:
    """Serialise with the first serialiser that accepts ``value``. Raises the last error."""
    last: Exception | None = None
    for s in serializers():
        if not s.accepts(value):
            continue
        try:
            return s, s.dump(value)
        except Unsupported as exc:
            last = exc
            continue
    raise TypeError(str(last) if last else f"no serialiser for {type(value).__name__}")


def write(value, open_for: Callable[[Serializer], AbstractContextManager[BinaryIO]]) -> Serializer:
    """Like ``dump``, into the file ``open_for(serializer)`` opens; serialisers that stream
    (``Serializer.write``) never hold the value's bytes. ``open_for``'s context discards the
    file of an attempt that raises (``Unsupported``: the next serialiser is tried)."""
    last: Exception | None = None
    for s in serializers():
        if not s.accepts(value):
            continue
        try:
            with open_for(s) as f:
                if s.write is not None:
                    s.write(value, f)
                else:
                    f.write(s.dump(value))
            return s
        except Unsupported as exc:
            last = exc
            continue
    raise TypeError(str(last) if last else f"no serialiser for {type(value).__name__}")
