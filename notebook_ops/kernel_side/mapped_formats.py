"""Formats that load without parsing: a consumer maps the producer's file instead of decoding it.

- pandas DataFrames: the Arrow IPC file format, uncompressed. A local file is memory-mapped and
  read with no copy; ``to_pandas`` then builds the frame (numeric columns are copied into pandas'
  blocks, strings stay in the mapped Arrow buffers: pandas' ``str`` dtype is Arrow-backed; the
  categorical codes Arrow would hand over read-only are copied, so a step can set values). Only
  frames whose every column and index level comes back with the same dtype are taken
  (``_arrow_exact``); the others (object columns, Python-backed strings, a ``DatetimeIndex`` with a
  ``freq``) go to pickle, which is exact.
- numpy arrays: ``.npy`` as before, loaded with ``mmap_mode="c"`` when local.
- everything else: pickle protocol 5 (cloudpickle) with the large buffers (numpy arrays, pandas'
  numeric blocks, inside any object) out of band, after the pickle, 64-byte aligned in the same
  file (``_layout``): loading maps the file and the arrays point into it. One file, not a pickle
  and a side file: the manifest's one sha256 per value, the cache's hard links and the proof's
  comparisons stay as they are.

Writers stream (``write_*``): Arrow record batches and pickle buffers go from the value's memory
to the file, never through a second copy of the whole value.

Mapped values are copy-on-write (``mmap.ACCESS_COPY``, numpy's ``mmap_mode="c"``): a step may
change what it received, as in a notebook run top to bottom, and the change stays in its own
memory; the data store's file (and the cache entry hard-linked to it) is never written.

Remote stores (s3://, gs://) have no files to map: the same bytes load from memory, and one
copy makes them writable.
"""

from __future__ import annotations

import mmap
import struct
import sys
import warnings

# --- pandas through Arrow IPC ----------------------------------------------------------------------
_ARROW_KINDS = set("biufmM")  # numpy dtype kinds Arrow gives back as they were (not float16)


_NULLABLE = {
    *(f"{sign}Int{bits}" for sign in ("", "U") for bits in (8, 16, 32, 64)),
    "Float32",
    "Float64",
    "boolean",
}


def _dtype_exact(dtype) -> bool:
    """Whether Arrow gives this pandas dtype back unchanged."""
    pd = sys.modules["pandas"]
    if isinstance(dtype, pd.CategoricalDtype):
        return _dtype_exact(dtype.categories.dtype)
    if isinstance(dtype, pd.StringDtype):
        return dtype.storage == "pyarrow"  # python-backed strings come back Arrow-backed
    if isinstance(dtype, (pd.ArrowDtype, pd.PeriodDtype, pd.IntervalDtype, pd.DatetimeTZDtype)):
        return True
    if isinstance(dtype, pd.api.extensions.ExtensionDtype):
        return dtype.name in _NULLABLE
    return dtype.kind in _ARROW_KINDS and not (dtype.kind == "f" and dtype.itemsize == 2)


def _index_exact(index) -> bool:
    pd = sys.modules["pandas"]
    if isinstance(index, pd.RangeIndex):
        return True
    if getattr(index, "freq", None) is not None and not isinstance(index, pd.PeriodIndex):
        return False  # Arrow keeps the timestamps, not the frequency
    if isinstance(index, pd.MultiIndex):
        return all(_index_exact(level) for level in index.levels)
    return _dtype_exact(index.dtype)


def _arrow_exact(df) -> str | None:
    """Why Arrow would not give ``df`` back exactly, or None."""
    if not all(isinstance(c, str) for c in df.columns) or not df.columns.is_unique:
        return "Arrow needs unique string column names"
    bad = [c for c, t in df.dtypes.items() if not _dtype_exact(t)]
    if bad:
        return f"Arrow would not give back the dtype of {', '.join(map(repr, bad[:3]))}"
    if not _index_exact(df.index):
        return "Arrow would not give back the index exactly"
    if any(c in df.index.names for c in df.columns):
        return "an index level shares a column's name"
    return None


def _arrow_table(df):
    from notebook_ops.kernel_side.serializers import Unsupported  # noqa: PLC0415 - cycle: serializers registers these formats

    why = _arrow_exact(df)
    if why:
        raise Unsupported(why)
    import pyarrow as pa  # noqa: PLC0415 - optional library (144 ms), imported only when used

    try:
        with warnings.catch_warnings():  # pyarrow's own use of deprecated pandas API: not the user's
            warnings.simplefilter("ignore")
            return pa.Table.from_pandas(df)
    except Exception as exc:  # pyarrow raises several kinds for what it cannot convert
        raise Unsupported(str(exc)) from None


def write_pandas_arrow(df, f) -> None:
    import pyarrow as pa  # noqa: PLC0415 - optional library (144 ms), imported only when used

    table = _arrow_table(df)
    with pa.ipc.new_file(f, table.schema) as writer:  # record batches go straight to the file
        writer.write_table(table)


def dump_pandas_arrow(df) -> memoryview:
    import pyarrow as pa  # noqa: PLC0415 - optional library (144 ms), imported only when used

    table = _arrow_table(df)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    return memoryview(sink.getvalue()).cast("B")


def _table_to_pandas(source):
    import pyarrow as pa  # noqa: PLC0415 - optional library (144 ms), imported only when used

    df = pa.ipc.open_file(source).read_all().to_pandas()
    pd = sys.modules["pandas"]
    for i, dtype in enumerate(df.dtypes):
        if isinstance(dtype, pd.CategoricalDtype):  # Arrow hands the codes over read-only
            df.isetitem(i, df.iloc[:, i].copy())  # (one byte or so a row): a step may set values
    return df


def load_pandas_arrow(data) -> object:
    import pyarrow as pa  # noqa: PLC0415 - optional library (144 ms), imported only when used

    return _table_to_pandas(pa.BufferReader(pa.py_buffer(data)))


def load_pandas_arrow_file(path: str) -> object:
    import pyarrow as pa  # noqa: PLC0415 - optional library (144 ms), imported only when used

    with pa.memory_map(path, "r") as source:  # the frame's Arrow buffers keep the mapping alive
        return _table_to_pandas(source)


# --- numpy, mapped -----------------------------------------------------------------------------
def load_npy_file(path: str) -> object:
    import numpy as np  # noqa: PLC0415 - numpy costs 103 ms CPU to import, loaded on first use

    mapped = np.load(path, mmap_mode="c", allow_pickle=False)
    return mapped.view(np.ndarray)  # a plain array (not np.memmap), as the producer had


# --- pickle protocol 5 with out-of-band buffers ----------------------------------------------------
MAGIC = b"NBOPKL5\n"
_ALIGN = 64
_IN_BAND_BELOW = 64 * 1024  # small buffers stay in the pickle: one mapping each would cost more


def _pad(n: int) -> int:
    return -n % _ALIGN


def _pickle5(value) -> tuple[bytes, list[memoryview]]:
    """The pickle and its out-of-band buffers (views of the value's memory: nothing copied)."""
    import pickle  # noqa: PLC0415 - only the pickling path needs PickleBuffer

    import cloudpickle  # noqa: PLC0415 - optional library (35 ms), imported only when used

    buffers: list[memoryview] = []

    def out_of_band(buf: pickle.PickleBuffer) -> bool:
        raw = buf.raw()
        if raw.nbytes < _IN_BAND_BELOW:
            return True
        buffers.append(raw)
        return False

    return cloudpickle.dumps(value, protocol=5, buffer_callback=out_of_band), buffers


def _layout(body: bytes, buffers: list[memoryview]) -> list:
    """``MAGIC, u64 count, u64 pickle length, count x (u64 offset, u64 length), pickle, buffers``:
    the file's parts in order; offsets from the start of the file, each buffer 64-byte aligned."""
    offset = len(MAGIC) + 16 + 16 * len(buffers) + len(body)
    spans: list[tuple[int, int]] = []
    parts: list[bytes | memoryview] = [body]
    for buf in buffers:
        parts.append(bytes(_pad(offset)))
        offset += _pad(offset)
        spans.append((offset, buf.nbytes))
        parts.append(buf)
        offset += buf.nbytes
    flat = [n for span in spans for n in span]
    return [MAGIC + struct.pack(f"<{2 + len(flat)}Q", len(spans), len(body), *flat), *parts]


def write_pickle5(value, f) -> None:
    for part in _layout(*_pickle5(value)):
        f.write(part)


def dump_pickle5(value) -> bytes:
    return b"".join(_layout(*_pickle5(value)))  # one allocation, one copy of each buffer


def _unpack(view: memoryview):
    import pickle  # noqa: PLC0415 - the loading path

    if bytes(view[: len(MAGIC)]) != MAGIC:
        raise ValueError("not a notebook-ops pickle-5 file (bad magic)")
    count, body_size = struct.unpack_from("<QQ", view, len(MAGIC))
    head_size = len(MAGIC) + 16 + 16 * count
    spans = [struct.unpack_from("<QQ", view, len(MAGIC) + 16 + 16 * i) for i in range(count)]
    buffers = [view[start : start + size] for start, size in spans]
    return pickle.loads(view[head_size : head_size + body_size], buffers=buffers)


def load_pickle5(data) -> object:
    view = memoryview(data)
    if view.readonly:  # bytes read from a remote store: the arrays in it must be writable
        view = memoryview(bytearray(view))
    return _unpack(view)


def load_pickle5_file(path: str) -> object:
    with open(path, "rb") as f:
        if not f.seek(0, 2):
            raise ValueError(f"{path} is empty")
        mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_COPY)  # copy-on-write
    return _unpack(memoryview(mapped))
