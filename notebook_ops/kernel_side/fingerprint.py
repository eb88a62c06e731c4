"""Did a step change an object it received? The runtime net under the static analysis.

The analysis finds most in-place changes (``model.fit``, ``df["b"] = ...``); a change made inside
a library or a helper module it cannot see is caught here: after the step, each object it
received and might hand on is compared with what it loaded, and a changed one is saved as a new
version. The check never costs more than saving the object would:

- pandas objects and numpy arrays: a content hash (pandas' own ``hash_pandas_object``, the
  array's bytes), taken when the value is loaded and again after the step;
- everything else: serialised once after the step (the bytes are kept and saved if changed)
  and compared with the stored version; a serialiser that does not give the same bytes for a
  value read back (some estimators) is compared with the stored version read back once more.
"""

from __future__ import annotations

import hashlib
import sys


def content_hash(value) -> str | None:
    """A hash of a pandas object's or numpy array's content, or None for other values (and for
    contents these hashes cannot take, such as lists inside a column)."""
    module = type(value).__module__
    try:
        if module.startswith("pandas"):
            return _pandas_hash(value)
        if module == "numpy" and type(value).__name__ == "ndarray":
            if value.dtype.hasobject:
                return None
            h = hashlib.blake2b(digest_size=20)
            h.update(f"{value.dtype.str}{value.shape}".encode())
            h.update(_array_bytes(value))
            return h.hexdigest()
    except (TypeError, ValueError):
        return None
    return None


def _array_bytes(value):
    """The array's own memory when it can be viewed as bytes (a mapped input is hashed where it
    lies: ``tobytes()`` would copy a large array), else a copy (datetimes, empty, strided)."""
    if value.flags.c_contiguous and value.size:
        try:
            return memoryview(value).cast("B")
        except (TypeError, ValueError):  # dtypes the buffer protocol does not export
            pass
    return value.tobytes()


def _pandas_hash(value) -> str | None:
    pd = sys.modules.get("pandas")
    if pd is None or not isinstance(value, (pd.DataFrame, pd.Series, pd.Index)):
        return None
    h = hashlib.blake2b(digest_size=20)
    if isinstance(value, pd.DataFrame):
        h.update(repr((list(value.columns), [str(t) for t in value.dtypes], value.shape)).encode())
        if value.shape[1] == 0:
            h.update(repr(list(value.index)).encode())
            return h.hexdigest()
    else:
        h.update(repr((getattr(value, "name", None), str(value.dtype), value.shape)).encode())
    hashed = pd.util.hash_pandas_object(value, index=True)
    h.update(memoryview(hashed.to_numpy()))
    return h.hexdigest()


def sha256(data: bytes | memoryview) -> str:
    return hashlib.sha256(data).hexdigest()
